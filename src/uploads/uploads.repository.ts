import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { BlobStoreDriver } from '../config/app-config';

/** An upload's state, read under its row lock. */
export interface LockedUpload {
  bytesReceived: number;
  /** The sizes of its parts, in order: part `i` is stored as part number `i`. */
  partSizes: number[];
  /** The running hash of the bytes received (null: none yet, SHA-256 to come). */
  hashState: Buffer | null;
  storageKey: string;
  driver: BlobStoreDriver;
}

/** An upload as operators see it. */
export interface UploadRecord {
  uploadId: string;
  registryId: string;
  /** A bigint id, as a string. */
  repositoryId: string;
  repositoryName: string;
  bytesReceived: number;
  parts: number;
  createdAt: Date;
  updatedAt: Date;
  ageSeconds: number;
  idleSeconds: number;
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

// Sizes and offsets are bigint columns; a layer's (at most MAX_LAYER_SIZE) fits a number exactly.
function uploadRecord(row: UploadRow): UploadRecord {
  return {
    uploadId: row.id,
    registryId: row.registry_id,
    repositoryId: String(row.repository_id),
    repositoryName: row.name,
    bytesReceived: Number(row.bytes_received),
    parts: Number(row.parts),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ageSeconds: Math.floor(row.age),
    idleSeconds: Math.floor(row.idle),
  };
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

  /**
   * Holds the account's row until the transaction ends, so that the initiations of its uploads
   * (at any number of instances) count and insert one at a time: what `openUploads` answers
   * then stays true until the insert commits. Two initiators holding the repository FOR SHARE
   * would both see the same count; one at a time, the limits hold exactly.
   *
   * `FOR NO KEY UPDATE`, not `FOR UPDATE`: it does not conflict with the `FOR KEY SHARE` that
   * inserting a repository or an access key takes on the account through its foreign key, so
   * only initiators wait for each other.
   *
   * Lock order: the repository row (`FOR SHARE`, see `RepositoryLock`) first, then this one,
   * then the upload rows. Nothing that holds an account row waits for a repository row in a mode
   * `FOR SHARE` conflicts with (deleting an account checks its repositories `FOR KEY SHARE`), so
   * this order cannot deadlock; and an initiator waiting for a repository being deleted holds no
   * account lock meanwhile, so the account's other repositories are not held up by it.
   */
  async serialiseInitiations(manager: EntityManager, registryId: string): Promise<void> {
    await manager.query('SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE', [registryId]);
  }

  /**
   * The uploads in progress of the repository and of its whole account. Every row counts until it
   * is completed, aborted or purged, expired or not: an upload past `UPLOAD_TTL` still takes
   * parts until the purge removes it.
   */
  async openUploads(
    manager: EntityManager,
    registryId: string,
    repositoryId: string,
  ): Promise<{ repository: number; account: number }> {
    const [row] = await manager.query<{ repository: number; account: number }[]>(
      `SELECT count(*) FILTER (WHERE u.repository_id = $2)::int AS repository,
              count(*)::int AS account
         FROM uploads u JOIN repositories r ON r.id = u.repository_id
        WHERE r.registry_id = $1`,
      [registryId, repositoryId],
    );
    return row;
  }

  /** A new upload of the repository, and the storage object its parts will be written to. */
  async insert(
    manager: EntityManager,
    upload: {
      id: string;
      repositoryId: string;
      storageKey: string;
      driver: BlobStoreDriver;
      hashState: Buffer | null;
    },
  ): Promise<void> {
    await manager.query('INSERT INTO storage_objects (key, driver) VALUES ($1, $2)', [
      upload.storageKey,
      upload.driver,
    ]);
    await manager.query(
      'INSERT INTO uploads (id, repository_id, storage_key, hash_state) VALUES ($1, $2, $3, $4)',
      [upload.id, upload.repositoryId, upload.storageKey, upload.hashState],
    );
  }

  /**
   * The upload of the repository, held FOR UPDATE until the transaction ends: parts and
   * completions arriving at any number of instances apply one at a time. Lock order: the
   * repository row (if the transaction takes it) before this one; see `RepositoryLock`.
   */
  lock(
    manager: EntityManager,
    uploadId: string,
    repositoryId: string,
  ): Promise<LockedUpload | undefined> {
    return this.select(manager, uploadId, repositoryId, 'FOR UPDATE OF u');
  }

  /** What `lock` answers, read without a lock or a transaction: it may change right after. */
  peek(uploadId: string, repositoryId: string): Promise<LockedUpload | undefined> {
    return this.select(this.dataSource.manager, uploadId, repositoryId, '');
  }

  private async select(
    manager: EntityManager,
    uploadId: string,
    repositoryId: string,
    lock: 'FOR UPDATE OF u' | '',
  ): Promise<LockedUpload | undefined> {
    const rows = await manager.query<
      {
        bytes_received: string;
        part_sizes: string[];
        hash_state: Buffer | null;
        storage_key: string;
        driver: BlobStoreDriver;
      }[]
    >(
      `SELECT u.bytes_received, u.part_sizes, u.hash_state, u.storage_key, s.driver
         FROM uploads u JOIN storage_objects s ON s.key = u.storage_key
        WHERE u.id = $1 AND u.repository_id = $2
        ${lock}`,
      [uploadId, repositoryId],
    );
    const row = rows[0];
    return (
      row && {
        bytesReceived: Number(row.bytes_received),
        partSizes: row.part_sizes.map(Number),
        hashState: row.hash_state,
        storageKey: row.storage_key,
        driver: row.driver,
      }
    );
  }

  /**
   * Records the upload's new end and running hash, with its part list now `partSizes` (the old
   * list with a part added, or with its last part grown).
   */
  async recordParts(
    manager: EntityManager,
    uploadId: string,
    state: { bytesReceived: number; partSizes: number[]; hashState: Buffer },
  ): Promise<void> {
    await manager.query(
      `UPDATE uploads
          SET bytes_received = $2, part_sizes = $3::bigint[], hash_state = $4, updated_at = now()
        WHERE id = $1`,
      [uploadId, state.bytesReceived, state.partSizes, state.hashState],
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
  async expired(
    ttlSeconds: number,
    remove: boolean,
    limit: number | null,
  ): Promise<UploadRecord[]> {
    // The final SELECT sees the rows as they were before the DELETE (one snapshot per statement).
    const rows = await this.dataSource.query<UploadRow[]>(
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
    return rows.map(uploadRecord);
  }

  async find(uploadId: string): Promise<UploadRecord | undefined> {
    const rows = await this.dataSource.query<UploadRow[]>(`${UPLOAD_SELECT} WHERE u.id = $1`, [
      uploadId,
    ]);
    return rows[0] && uploadRecord(rows[0]);
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
  ): Promise<UploadRecord[]> {
    const rows = await this.dataSource.query<UploadRow[]>(
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
    return rows.map(uploadRecord);
  }
}
