import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NoSuchEntityException } from '../auth/auth.errors';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { RepositoriesService } from '../repositories/repositories.service';
import { StorageGcService } from '../storage/storage-gc.service';
import { UploadsService } from '../uploads/uploads.service';
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

interface RepositoryRow {
  id: string;
  registry_id: string;
  name: string;
  created_at: Date;
  image_count: number;
  layer_count: number;
  stored_bytes: string;
  uploads: number;
}

interface UploadRow {
  id: string;
  registry_id: string;
  repository_id: string;
  name: string;
  bytes_received: string;
  parts: number;
  created_at: Date;
  updated_at: Date;
  age: number;
  idle: number;
}

const REPOSITORY_SELECT = `
  SELECT r.id, r.registry_id, r.name, r.created_at,
         (SELECT count(*)::int FROM images i WHERE i.repository_id = r.id) AS image_count,
         (SELECT count(*)::int FROM layers l WHERE l.repository_id = r.id) AS layer_count,
         (SELECT coalesce(sum(l.size), 0) FROM layers l WHERE l.repository_id = r.id)
           + (SELECT coalesce(sum(octet_length(i.manifest)), 0) FROM images i WHERE i.repository_id = r.id)
           AS stored_bytes,
         (SELECT count(*)::int FROM uploads u WHERE u.repository_id = r.id) AS uploads
    FROM repositories r`;

const UPLOAD_SELECT = `
  SELECT u.id, r.registry_id, u.repository_id, r.name, u.bytes_received,
         cardinality(u.part_sizes) AS parts, u.created_at, u.updated_at,
         extract(epoch FROM now() - u.created_at)::float8 AS age,
         extract(epoch FROM now() - u.updated_at)::float8 AS idle
    FROM uploads u JOIN repositories r ON r.id = u.repository_id`;

/**
 * What operators see of the registry's contents, across accounts: repositories with their
 * counts, layers, images and uploads in progress, and the upload purge on demand. Changes go
 * through the owning modules, so the rules of the ECR API hold here too.
 */
@Injectable()
export class AdminRegistryService {
  private readonly publicHost: string;

  constructor(
    private readonly dataSource: DataSource,
    private readonly repositories: RepositoriesService,
    private readonly uploads: UploadsService,
    private readonly gc: StorageGcService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.publicHost = new URL(config.publicUrl).host;
  }

  private repositoryView(row: RepositoryRow): Repository {
    return {
      repositoryId: String(row.id),
      accountId: row.registry_id,
      name: row.name,
      arn: `arn:aws:ecr:${this.config.region}:${row.registry_id}:repository/${row.name}`,
      uri: `${this.publicHost}/${row.name}`,
      createdAt: row.created_at.toISOString(),
      imageCount: row.image_count,
      layerCount: row.layer_count,
      storedBytes: Number(row.stored_bytes),
      uploadsInProgress: row.uploads,
    };
  }

  async listRepositories(query: RepositoryListQuery): Promise<Page<Repository>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const after = decodeCursor(query.cursor);
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown): void => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.accountId !== undefined) add('r.registry_id = ?', query.accountId);
    if (query.name !== undefined) add('r.name = ?', query.name);
    if (after !== undefined) add('r.id > ?::bigint', after);
    params.push(limit + 1);
    const rows = await this.dataSource.query<RepositoryRow[]>(
      `${REPOSITORY_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY r.id LIMIT $${params.length}`,
      params,
    );
    return pageOf(
      rows,
      limit,
      (r) => this.repositoryView(r),
      (r) => String(r.id),
    );
  }

  private async repositoryRow(repositoryId: string): Promise<RepositoryRow> {
    const rows = await this.dataSource.query<RepositoryRow[]>(
      `${REPOSITORY_SELECT} WHERE r.id = $1`,
      [repositoryId],
    );
    if (!rows[0]) throw new NoSuchEntityException(`The repository ${repositoryId} does not exist`);
    return rows[0];
  }

  async getRepository(repositoryId: string): Promise<Repository> {
    return this.repositoryView(await this.repositoryRow(repositoryId));
  }

  /**
   * Who owns the repository and its name, or NoSuchEntityException: what the listings and the
   * deletion need, without the counts and sums of `repositoryRow` over its images and layers.
   */
  private async repositoryRef(
    repositoryId: string,
  ): Promise<{ registry_id: string; name: string }> {
    const rows = await this.dataSource.query<{ registry_id: string; name: string }[]>(
      'SELECT registry_id, name FROM repositories WHERE id = $1',
      [repositoryId],
    );
    if (!rows[0]) throw new NoSuchEntityException(`The repository ${repositoryId} does not exist`);
    return rows[0];
  }

  /** As DeleteRepository of its owner: refused while it holds images, unless `force`. */
  async deleteRepository(repositoryId: string, force: boolean, requestId: string): Promise<void> {
    const row = await this.repositoryRef(repositoryId);
    await this.repositories.delete(
      { repositoryName: row.name, force },
      { requestId, registryId: row.registry_id },
    );
  }

  async listLayers(
    repositoryId: string,
    limit = DEFAULT_LIMIT,
    cursor?: string,
  ): Promise<Page<Layer>> {
    await this.repositoryRef(repositoryId);
    const after = decodeCursor(cursor);
    const rows = await this.dataSource.query<
      { id: string; digest: string; size: string; media_type: string; created_at: Date }[]
    >(
      `SELECT id, digest, size, media_type, created_at FROM layers
        WHERE repository_id = $1 AND ($2::bigint IS NULL OR id > $2::bigint)
        ORDER BY id LIMIT $3`,
      [repositoryId, after ?? null, limit + 1],
    );
    return pageOf(
      rows,
      limit,
      (r) => ({
        digest: r.digest,
        size: Number(r.size),
        mediaType: r.media_type,
        createdAt: r.created_at.toISOString(),
      }),
      (r) => String(r.id),
    );
  }

  async listImages(
    repositoryId: string,
    limit = DEFAULT_LIMIT,
    cursor?: string,
  ): Promise<Page<Image>> {
    await this.repositoryRef(repositoryId);
    const after = decodeCursor(cursor);
    const rows = await this.dataSource.query<
      {
        id: string;
        digest: string;
        media_type: string;
        size: string;
        pushed_at: Date;
        tags: string[];
      }[]
    >(
      `SELECT i.id, i.digest, i.media_type, i.size, i.pushed_at,
              array(SELECT t.tag FROM image_tags t WHERE t.image_id = i.id ORDER BY t.tag) AS tags
         FROM images i
        WHERE i.repository_id = $1 AND ($2::bigint IS NULL OR i.id > $2::bigint)
        ORDER BY i.id LIMIT $3`,
      [repositoryId, after ?? null, limit + 1],
    );
    return pageOf(
      rows,
      limit,
      (r) => ({
        digest: r.digest,
        tags: r.tags,
        mediaType: r.media_type,
        sizeBytes: Number(r.size),
        pushedAt: r.pushed_at.toISOString(),
      }),
      (r) => String(r.id),
    );
  }

  private uploadView(row: UploadRow): Upload {
    return {
      uploadId: row.id,
      accountId: row.registry_id,
      repositoryId: String(row.repository_id),
      repositoryName: row.name,
      bytesReceived: Number(row.bytes_received),
      parts: Number(row.parts),
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
      ageSeconds: Math.floor(row.age),
      idleSeconds: Math.floor(row.idle),
    };
  }

  /**
   * Oldest first: the cursor is the position (created_at, id) of the last one. created_at is
   * compared at the milliseconds the cursor holds (a JS Date has no microseconds): compared
   * whole, the last row of a page stayed after its own position, and came again on every page.
   */
  async listUploads(query: UploadListQuery): Promise<Page<Upload>> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const [at, id] = decodeCursor(query.cursor)?.split('|') ?? [];
    const rows = await this.dataSource.query<UploadRow[]>(
      `${UPLOAD_SELECT}
        WHERE ($1::char(12) IS NULL OR r.registry_id = $1)
          AND ($2::bigint IS NULL OR u.repository_id = $2::bigint)
          AND ($3::timestamptz IS NULL
               OR (date_trunc('milliseconds', u.created_at), u.id) > ($3::timestamptz, $4::uuid))
        ORDER BY date_trunc('milliseconds', u.created_at), u.id LIMIT $5`,
      [query.accountId ?? null, query.repositoryId ?? null, at ?? null, id ?? null, limit + 1],
    );
    return pageOf(
      rows,
      limit,
      (r) => this.uploadView(r),
      (r) => `${r.created_at.toISOString()}|${r.id}`,
    );
  }

  async getUpload(uploadId: string): Promise<Upload> {
    const rows = await this.dataSource.query<UploadRow[]>(`${UPLOAD_SELECT} WHERE u.id = $1`, [
      uploadId.toLowerCase(),
    ]);
    if (!rows[0]) throw new UploadNotFoundException(`The upload ${uploadId} does not exist`);
    return this.uploadView(rows[0]);
  }

  /**
   * Aborts an upload: its row goes at once (waiting for a part being written to it), so the ECR
   * API answers UploadNotFoundException for it from then on; its bytes are collected after.
   */
  async abortUpload(uploadId: string): Promise<void> {
    const rows = await this.dataSource.query<[{ id: string }[], number]>(
      'DELETE FROM uploads WHERE id = $1 RETURNING id',
      [uploadId.toLowerCase()],
    );
    if (rows[0].length === 0)
      throw new UploadNotFoundException(`The upload ${uploadId} does not exist`);
    this.gc.collectSoon();
  }

  async purgeExpiredUploads(dryRun: boolean, olderThanSeconds?: number): Promise<PurgeReport> {
    const ttl = olderThanSeconds ?? this.config.uploadTtlSeconds;
    if (!dryRun) {
      const { uploads, bytes } = await this.uploads.purgeExpired(ttl);
      return { dryRun, olderThanSeconds: ttl, uploads, bytes, items: [] };
    }
    const rows = await this.dataSource.query<UploadRow[]>(
      `${UPLOAD_SELECT} WHERE u.updated_at < now() - make_interval(secs => $1)
        ORDER BY u.updated_at, u.id`,
      [ttl],
    );
    const items = rows.map((r) => this.uploadView(r));
    return {
      dryRun,
      olderThanSeconds: ttl,
      uploads: items.length,
      bytes: items.reduce((sum, u) => sum + u.bytesReceived, 0),
      items,
    };
  }
}
