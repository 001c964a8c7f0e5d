import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { CURSOR_SHAPES, IsCursor } from '../cursor';
import { NoNul, PageQuery } from './common.dto';
import { ACCOUNT_ID, ROW_ID } from './patterns';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** A listing keyed by row id: the layers and the images of a repository. */
export class RowPageQuery extends PageQuery {
  @IsCursor(CURSOR_SHAPES.rowId)
  cursor?: string;
}

export class RepositoryListQuery extends PageQuery {
  @IsCursor(CURSOR_SHAPES.rowId)
  cursor?: string;

  @ApiPropertyOptional({ example: '123456789012' })
  @IsOptional()
  @Matches(ACCOUNT_ID, { message: 'accountId must be exactly 12 digits' })
  accountId?: string;

  @ApiPropertyOptional({ description: 'Exact repository name', example: 'team/web-app' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  @NoNul()
  name?: string;
}

export class RepositoryIdParam {
  @ApiProperty({ example: '42' })
  @Matches(ROW_ID, { message: 'repositoryId must be a positive integer' })
  repositoryId!: string;
}

export class DeleteRepositoryQuery {
  @ApiPropertyOptional({
    description: 'Delete a repository that still holds images, as DeleteRepository force=true',
  })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  force?: boolean;
}

export class Repository {
  @ApiProperty({ example: '42' })
  repositoryId!: string;

  @ApiProperty({ example: '123456789012' })
  accountId!: string;

  @ApiProperty({ example: 'team/web-app' })
  name!: string;

  @ApiProperty({ example: 'arn:aws:ecr:us-east-1:123456789012:repository/team/web-app' })
  arn!: string;

  @ApiProperty({ example: 'registry.example.com/team/web-app' })
  uri!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty()
  imageCount!: number;

  @ApiProperty()
  layerCount!: number;

  @ApiProperty({
    description:
      'Unique bytes the repository holds: each of its layers once (a layer is one blob, stored once however many repositories hold it, and counted in each of them), plus its image manifests. Layers awaiting garbage collection count until collected.',
  })
  storedBytes!: number;

  @ApiProperty()
  uploadsInProgress!: number;
}

export class RepositoryPage {
  @ApiProperty({ type: [Repository] })
  items!: Repository[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class Layer {
  @ApiProperty({ example: 'sha256:…' })
  digest!: string;

  @ApiProperty()
  size!: number;

  @ApiProperty()
  mediaType!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;
}

export class LayerPage {
  @ApiProperty({ type: [Layer] })
  items!: Layer[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class Image {
  @ApiProperty({ example: 'sha256:…' })
  digest!: string;

  @ApiProperty({ type: [String] })
  tags!: string[];

  @ApiProperty()
  mediaType!: string;

  @ApiProperty({ description: 'imageSizeInBytes, as DescribeImages answers it' })
  sizeBytes!: number;

  @ApiProperty({ type: String, format: 'date-time' })
  pushedAt!: string;
}

export class ImagePage {
  @ApiProperty({ type: [Image] })
  items!: Image[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class UploadListQuery extends PageQuery {
  @IsCursor(CURSOR_SHAPES.upload)
  cursor?: string;

  @ApiPropertyOptional({ example: '123456789012' })
  @IsOptional()
  @Matches(ACCOUNT_ID, { message: 'accountId must be exactly 12 digits' })
  accountId?: string;

  @ApiPropertyOptional({ example: '42' })
  @IsOptional()
  @Matches(ROW_ID, { message: 'repositoryId must be a positive integer' })
  repositoryId?: string;
}

export class UploadIdParam {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'uploadId must be a UUID' })
  uploadId!: string;
}

export class Upload {
  @ApiProperty({ format: 'uuid' })
  uploadId!: string;

  @ApiProperty({ example: '123456789012' })
  accountId!: string;

  @ApiProperty({ example: '42' })
  repositoryId!: string;

  @ApiProperty({ example: 'team/web-app' })
  repositoryName!: string;

  @ApiProperty()
  bytesReceived!: number;

  @ApiProperty()
  parts!: number;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, format: 'date-time', description: 'The last part received' })
  updatedAt!: string;

  @ApiProperty({ description: 'Seconds since the upload was initiated' })
  ageSeconds!: number;

  @ApiProperty({ description: 'Seconds since the last part' })
  idleSeconds!: number;
}

export class UploadPage {
  @ApiProperty({ type: [Upload] })
  items!: Upload[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

/** Ten years: far beyond any upload's age, far within what a PostgreSQL interval holds. */
const MAX_OLDER_THAN_SECONDS = 10 * 365 * 24 * 3600;

export class PurgeUploadsRequest {
  @ApiPropertyOptional({ description: 'Report what would be purged, and purge nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({
    description: 'Purge uploads idle for longer than this many seconds (default UPLOAD_TTL)',
    maximum: MAX_OLDER_THAN_SECONDS,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  // PostgreSQL cannot subtract an interval of 1e300 seconds from now(): it failed there, a 500.
  @Max(MAX_OLDER_THAN_SECONDS)
  olderThanSeconds?: number;
}

export class PurgeReport {
  @ApiProperty()
  dryRun!: boolean;

  @ApiProperty()
  olderThanSeconds!: number;

  @ApiProperty({ description: 'How many uploads were (or would be) purged' })
  uploads!: number;

  @ApiProperty({ description: 'Their bytes received' })
  bytes!: number;

  @ApiProperty({ type: [Upload], description: 'Dry run: the uploads that would be purged' })
  items!: Upload[];
}

export class CollectGarbageRequest {
  @ApiPropertyOptional({ description: 'Report what would be removed, and remove nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class CollectionReport {
  @ApiProperty()
  dryRun!: boolean;

  @ApiProperty({ description: 'LAYER_GRACE in seconds: unreferenced layers younger are kept' })
  layerGraceSeconds!: number;

  @ApiProperty({ description: 'Images removed (deleted images are gone at once: 0 here)' })
  images!: number;

  @ApiProperty({ description: 'Layers no image of their repository references, removed' })
  layers!: number;

  @ApiProperty({ description: 'Blobs no layer and no upload references, removed with their bytes' })
  blobs!: number;

  @ApiProperty({ description: 'The bytes of those blobs' })
  bytes!: number;
}

export class GarbageCollection {
  @ApiProperty({ type: String, format: 'date-time' })
  startedAt!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  finishedAt!: string;

  @ApiProperty({ description: 'Asked for through this API (otherwise run on schedule)' })
  requested!: boolean;

  @ApiProperty({ description: 'Layers removed' })
  layers!: number;

  @ApiProperty({ description: 'Blobs removed' })
  blobs!: number;

  @ApiProperty({ description: 'The bytes of those blobs' })
  bytes!: number;
}

export class GarbageCollectionPage {
  @ApiProperty({ type: [GarbageCollection] })
  items!: GarbageCollection[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}

export class ReconciliationReport {
  @ApiProperty({ description: 'Rows of the catalogue read (layers, blobs, storage objects)' })
  read!: number;

  @ApiProperty({ description: 'Unreferenced layers the review queue had not seen, queued' })
  layers!: number;

  @ApiProperty({ description: 'Unreferenced blobs the review queue had not seen, queued' })
  blobs!: number;

  @ApiProperty({
    description: 'Unreferenced storage objects the review queue had not seen, queued',
  })
  storageObjects!: number;

  @ApiProperty({ description: 'Whether the pass reached the end of every table' })
  finished!: boolean;
}

export class ApplyLifecyclePoliciesRequest {
  @ApiPropertyOptional({ description: 'Report what would be expired, and expire nothing' })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class ExpiredImageView {
  @ApiProperty()
  imageDigest!: string;

  @ApiProperty({ type: [String] })
  imageTags!: string[];

  @ApiProperty({ description: 'ISO 8601' })
  imagePushedAt!: string;

  @ApiProperty({ description: 'The rule that expired it' })
  appliedRulePriority!: number;
}

export class KeptImageView {
  @ApiProperty()
  imageDigest!: string;

  @ApiProperty({
    enum: ['referencedByIndex', 'missing'],
    description: 'An index that stays references it, or it was gone already',
  })
  reason!: string;
}

export class RepositoryEvaluationView {
  @ApiProperty()
  repositoryId!: string;

  @ApiProperty()
  accountId!: string;

  @ApiProperty()
  repositoryName!: string;

  @ApiProperty({ type: [ExpiredImageView], description: 'Expired (dry run: would be)' })
  expired!: ExpiredImageView[];

  @ApiProperty({ type: [KeptImageView], description: 'Selected by the policy, but kept' })
  kept!: KeptImageView[];
}

export class LifecycleRunReportView {
  @ApiProperty()
  dryRun!: boolean;

  @ApiProperty({ description: 'Images expired (dry run: that would be), over every repository' })
  images!: number;

  @ApiProperty({ type: [RepositoryEvaluationView], description: 'Each repository evaluated' })
  repositories!: RepositoryEvaluationView[];

  @ApiProperty({ description: 'Repositories another instance was evaluating: left to it' })
  skipped!: number;

  @ApiProperty({ description: 'Repositories whose evaluation failed (logged); retried later' })
  failed!: number;
}
