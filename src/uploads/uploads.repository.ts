import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { BlobStoreDriver } from '../config/app-config';

/** An upload's state, read under its row lock. */
export interface LockedUpload {
  bytes_received: string;
  part_sizes: string[];
  hash_state: Buffer | null;
  storage_key: string;
  driver: BlobStoreDriver;
}

/** An upload as operators see it. */
export interface UploadRow {
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

const UPLOAD_SELECT = `
  SELECT u.id, r.registry_id, u.repository_id, r.name, u.bytes_received,
         cardinality(u.part_sizes) AS parts, u.created_at, u.updated_at,
         extract(epoch FROM now() - u.created_at)::float8 AS age,
         extract(epoch FROM now() - u.updated_at)::float8 AS idle
    FROM uploads u JOIN repositories r ON r.id = u.repository_id`;

/** The SQL of the uploads module. */
@Injectable()
export class UploadsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A new upload of the repository, and the storage object its parts will be written to. */
  async insert(
    manager: EntityManager,
    upload: { id: string; repositoryId: string; storageKey: string; driver: BlobStoreDriver },
  ): Promise<void> {
    await manager.query('INSERT INTO storage_objects (key, driver) VALUES ($1, $2)', [
      upload.storageKey,
      upload.driver,
    ]);
    await manager.query(
      'INSERT INTO uploads (id, repository_id, storage_key) VALUES ($1, $2, $3)',
      [upload.id, upload.repositoryId, upload.storageKey],
    );
  }

  /**
   * The upload of the repository, held FOR UPDATE until the transaction ends: parts and
   * completions arriving at any number of instances apply one at a time. Lock order: the
   * repository row (if the transaction takes it) before this one; see `RepositoryLock`.
   */
  async lock(
    manager: EntityManager,
    uploadId: string,
    repositoryId: string,
  ): Promise<LockedUpload | undefined> {
    const rows = await manager.query<LockedUpload[]>(
      `SELECT u.bytes_received, u.part_sizes, u.hash_state, u.storage_key, s.driver
         FROM uploads u JOIN storage_objects s ON s.key = u.storage_key
        WHERE u.id = $1 AND u.repository_id = $2
          FOR UPDATE OF u`,
      [uploadId, repositoryId],
    );
    return rows[0];
  }

  async appendPart(
    manager: EntityManager,
    uploadId: string,
    part: { bytesReceived: number; size: number; hashState: Buffer },
  ): Promise<void> {
    await manager.query(
      `UPDATE uploads
          SET bytes_received = $2, part_sizes = array_append(part_sizes, $3::bigint),
              hash_state = $4, updated_at = now()
        WHERE id = $1`,
      [uploadId, part.bytesReceived, part.size, part.hashState],
    );
  }

  /** Records several parts written one after the other (a streamed append). */
  async appendParts(
    manager: EntityManager,
    uploadId: string,
    parts: { bytesReceived: number; sizes: number[]; hashState: Buffer },
  ): Promise<void> {
    await manager.query(
      `UPDATE uploads
          SET bytes_received = $2, part_sizes = part_sizes || $3::bigint[],
              hash_state = $4, updated_at = now()
        WHERE id = $1`,
      [uploadId, parts.bytesReceived, parts.sizes, parts.hashState],
    );
  }

  async delete(manager: EntityManager, uploadId: string): Promise<boolean> {
    const [rows] = await manager.query<[unknown[], number]>(
      'DELETE FROM uploads WHERE id = $1 RETURNING id',
      [uploadId],
    );
    return rows.length === 1;
  }

  /**
   * The uploads untouched for `ttlSeconds`, oldest first, at most `limit` (all when null); with
   * `remove`, they are deleted by the same statement. The purge and its dry run are this one
   * query, so a dry run lists exactly what a purge would remove. `SKIP LOCKED` leaves alone any
   * upload a request holds, and lets instances purge at once without sharing work.
   */
  async expired(ttlSeconds: number, remove: boolean, limit: number | null): Promise<UploadRow[]> {
    // The final SELECT sees the rows as they were before the DELETE (one snapshot per statement).
    return this.dataSource.query<UploadRow[]>(
      `WITH expired AS (
         SELECT id FROM uploads
          WHERE updated_at < now() - make_interval(secs => $1)
          ORDER BY updated_at, id LIMIT $3
            FOR UPDATE SKIP LOCKED),
       removed AS (
         DELETE FROM uploads WHERE $2::boolean AND id IN (SELECT id FROM expired))
       ${UPLOAD_SELECT} WHERE u.id IN (SELECT id FROM expired)
        ORDER BY u.updated_at, u.id`,
      [ttlSeconds, remove, limit],
    );
  }

  async find(uploadId: string): Promise<UploadRow | undefined> {
    const rows = await this.dataSource.query<UploadRow[]>(`${UPLOAD_SELECT} WHERE u.id = $1`, [
      uploadId,
    ]);
    return rows[0];
  }

  /**
   * Oldest first, after the position (created_at, id) `after`. Positions travel with millisecond
   * precision, so rows are ordered and compared by created_at truncated to the millisecond: a
   * row whose microseconds follow its cursor's is not listed twice.
   */
  async page(
    filter: { registryId?: string; repositoryId?: string },
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<UploadRow[]> {
    return this.dataSource.query<UploadRow[]>(
      `${UPLOAD_SELECT}
        WHERE ($1::char(12) IS NULL OR r.registry_id = $1)
          AND ($2::bigint IS NULL OR u.repository_id = $2::bigint)
          AND ($3::timestamptz IS NULL
               OR (date_trunc('milliseconds', u.created_at), u.id) > ($3::timestamptz, $4::uuid))
        ORDER BY date_trunc('milliseconds', u.created_at), u.id LIMIT $5`,
      [
        filter.registryId ?? null,
        filter.repositoryId ?? null,
        after?.createdAt ?? null,
        after?.id ?? null,
        limit,
      ],
    );
  }
}
