import { Inject, Injectable } from '@nestjs/common';
import { NoSuchEntityException } from '../auth/auth.errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { registryHostOf } from '../config/registry-host';
import { ImagesService } from '../images/images.service';
import { LayersService } from '../layers/layers.service';
import { RepositoriesService, RepositoryStats } from '../repositories/repositories.service';
import { UploadListing, UploadsService } from '../uploads/uploads.service';
import { UploadNotFoundException } from '../uploads/uploads.errors';
import { decodeCursor, Page, pageOf } from './cursor';
import {
  Image,
  Layer,
  PurgeReport,
  Repository,
  RepositoryListQuery,
  Upload,
  UploadListQuery,
} from './dto/registry.dto';

const DEFAULT_LIMIT = 100;

function uploadView(u: UploadListing): Upload {
  return {
    uploadId: u.uploadId,
    accountId: u.registryId,
    repositoryId: u.repositoryId,
    repositoryName: u.repositoryName,
    bytesReceived: u.bytesReceived,
    parts: u.parts,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
    ageSeconds: u.ageSeconds,
    idleSeconds: u.idleSeconds,
  };
}

/**
 * What operators see of the registry's contents, across accounts: repositories with their
 * counts, layers, images and uploads in progress, and the upload purge on demand. Everything
 * goes through the owning modules, so the rules of the ECR API hold here too; this class only
 * shapes their answers for the admin API.
 */
@Injectable()
export class AdminRegistryService {
  constructor(
    private readonly repositories: RepositoriesService,
    private readonly layers: LayersService,
    private readonly images: ImagesService,
    private readonly uploads: UploadsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private repositoryView(r: RepositoryStats): Repository {
    return {
      repositoryId: r.id,
      accountId: r.registryId,
      name: r.name,
      arn: `arn:aws:ecr:${this.config.region}:${r.registryId}:repository/${r.name}`,
      uri: `${registryHostOf(this.config, r.registryId)}/${r.name}`,
      createdAt: r.createdAt.toISOString(),
      imageCount: r.imageCount,
      layerCount: r.layerCount,
      storedBytes: r.storedBytes,
      uploadsInProgress: r.uploadsInProgress,
    };
  }

  async listRepositories(query: RepositoryListQuery): Promise<Page<Repository>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await this.repositories.listWithStats(
      { registryId: query.accountId, name: query.name },
      limit + 1,
      decodeCursor(query.cursor),
    );
    return pageOf(
      rows,
      limit,
      (r) => this.repositoryView(r),
      (r) => r.id,
    );
  }

  async getRepository(repositoryId: string): Promise<Repository> {
    const repo = await this.repositories.findWithStats(repositoryId);
    if (!repo) throw new NoSuchEntityException(`The repository ${repositoryId} does not exist`);
    return this.repositoryView(repo);
  }

  /** Who owns the repository and its name, or NoSuchEntityException. */
  private async repositoryRef(repositoryId: string): Promise<{ registryId: string; name: string }> {
    const repo = await this.repositories.findById(repositoryId);
    if (!repo) throw new NoSuchEntityException(`The repository ${repositoryId} does not exist`);
    return repo;
  }

  /** As DeleteRepository of its owner: refused while it holds images, unless `force`. */
  async deleteRepository(repositoryId: string, force: boolean): Promise<void> {
    const repo = await this.repositoryRef(repositoryId);
    await this.repositories.delete(repo.registryId, repo.name, force);
  }

  async listLayers(
    repositoryId: string,
    limit = DEFAULT_LIMIT,
    cursor?: string,
  ): Promise<Page<Layer>> {
    await this.repositoryRef(repositoryId);
    const rows = await this.layers.list(repositoryId, limit + 1, decodeCursor(cursor));
    return pageOf(
      rows,
      limit,
      (r) => ({
        digest: r.digest,
        size: r.size,
        mediaType: r.mediaType,
        createdAt: r.createdAt.toISOString(),
      }),
      (r) => r.id,
    );
  }

  async listImages(
    repositoryId: string,
    limit = DEFAULT_LIMIT,
    cursor?: string,
  ): Promise<Page<Image>> {
    await this.repositoryRef(repositoryId);
    const rows = await this.images.listByRepositoryId(
      repositoryId,
      limit + 1,
      decodeCursor(cursor),
    );
    return pageOf(
      rows,
      limit,
      (r) => ({
        digest: r.digest,
        tags: r.tags,
        mediaType: r.mediaType,
        sizeBytes: r.size,
        pushedAt: r.pushedAt.toISOString(),
      }),
      (r) => r.id,
    );
  }

  /** Oldest first: the cursor is the position (created_at, id) of the last one. */
  async listUploads(query: UploadListQuery): Promise<Page<Upload>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const [createdAt, id] = decodeCursor(query.cursor)?.split('|') ?? [];
    const rows = await this.uploads.list(
      { registryId: query.accountId, repositoryId: query.repositoryId },
      limit + 1,
      createdAt === undefined ? undefined : { createdAt, id },
    );
    return pageOf(rows, limit, uploadView, (r) => `${r.createdAt.toISOString()}|${r.uploadId}`);
  }

  async getUpload(uploadId: string): Promise<Upload> {
    const upload = await this.uploads.find(uploadId);
    if (!upload) throw new UploadNotFoundException(`The upload ${uploadId} does not exist`);
    return uploadView(upload);
  }

  /** Aborts an upload: the ECR API answers UploadNotFoundException for it from then on. */
  async abortUpload(uploadId: string): Promise<void> {
    if (!(await this.uploads.abort(uploadId))) {
      throw new UploadNotFoundException(`The upload ${uploadId} does not exist`);
    }
  }

  async purgeExpiredUploads(dryRun: boolean, olderThanSeconds?: number): Promise<PurgeReport> {
    const ttl = olderThanSeconds ?? this.config.uploadTtlSeconds;
    const { uploads, bytes } = await this.uploads.purge(ttl, dryRun);
    return {
      dryRun,
      olderThanSeconds: ttl,
      uploads: uploads.length,
      bytes,
      items: dryRun ? uploads.map(uploadView) : [],
    };
  }
}
