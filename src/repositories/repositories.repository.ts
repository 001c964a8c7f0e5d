import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { isUniqueViolation } from '../common/database-errors';
import { REPOSITORIES_REGISTRY_NAME_KEY } from '../database/constraints';
import { RepositoryEntity } from './entities/repository.entity';

/** A `repositories` row as PostgreSQL returns it. */
interface RepositoryRow {
  id: string;
  registry_id: string;
  name: string;
  image_tag_mutability: string;
  image_tag_mutability_exclusion_filters: RepositoryEntity['imageTagMutabilityExclusionFilters'];
  scan_on_push: boolean;
  encryption_type: string;
  kms_key: string | null;
  tags: RepositoryEntity['tags'];
  created_at: Date;
}

function fromRow(row: RepositoryRow): RepositoryEntity {
  return Object.assign(new RepositoryEntity(), {
    id: row.id,
    registryId: row.registry_id,
    name: row.name,
    imageTagMutability: row.image_tag_mutability,
    imageTagMutabilityExclusionFilters: row.image_tag_mutability_exclusion_filters,
    scanOnPush: row.scan_on_push,
    encryptionType: row.encryption_type,
    kmsKey: row.kms_key,
    tags: row.tags,
    createdAt: row.created_at,
  });
}

/**
 * How a repository row is held until the transaction ends. `share` keeps it from being deleted
 * under a writer adding to it; `update` is the deleter's, and waits for every `share` holder.
 *
 * Lock order, for every transaction that takes more than one lock: the repository row first
 * (here), then the account row an initiation holds (`UploadsRepository.serialiseInitiations`),
 * then the upload row (`UploadsRepository.lock`), then the lifecycle policy row
 * (`LifecycleRepository.claim`, `upsertPolicy`), then image rows
 * (`ImagesRepository`; several at once in id order, `lockInIdOrder`), child manifests last. Taking a repository after an upload would
 * deadlock with a DeleteRepository, which holds the repository and waits for its uploads to
 * cascade.
 */
export type RepositoryLock = 'none' | 'share' | 'update';

/**
 * A repository with what it holds, as operators see it. The id is a `bigint` column, which
 * PostgreSQL hands over as a string: it stays one, so that no id is ever rounded.
 */
export interface RepositoryStats {
  id: string;
  registryId: string;
  name: string;
  createdAt: Date;
  imageCount: number;
  layerCount: number;
  storedBytes: number;
  uploadsInProgress: number;
}

/** A row of `STATS_SELECT` as PostgreSQL returns it (the counts cast to int, bytes a numeric). */
interface RepositoryStatsRow {
  id: string;
  registry_id: string;
  name: string;
  created_at: Date;
  image_count: number;
  layer_count: number;
  stored_bytes: string;
  uploads: number;
}

const toStats = (row: RepositoryStatsRow): RepositoryStats => ({
  id: row.id,
  registryId: row.registry_id,
  name: row.name,
  createdAt: row.created_at,
  imageCount: row.image_count,
  layerCount: row.layer_count,
  storedBytes: Number(row.stored_bytes),
  uploadsInProgress: row.uploads,
});

const STATS_SELECT = `
  SELECT r.id, r.registry_id, r.name, r.created_at,
         (SELECT count(*)::int FROM images i WHERE i.repository_id = r.id) AS image_count,
         (SELECT count(*)::int FROM layers l WHERE l.repository_id = r.id) AS layer_count,
         (SELECT coalesce(sum(l.size), 0) FROM layers l WHERE l.repository_id = r.id)
           + (SELECT coalesce(sum(octet_length(i.manifest)), 0) FROM images i WHERE i.repository_id = r.id)
           AS stored_bytes,
         (SELECT count(*)::int FROM uploads u WHERE u.repository_id = r.id) AS uploads
    FROM repositories r`;

const LOCK_CLAUSE: Record<RepositoryLock, string> = {
  none: '',
  share: ' FOR SHARE',
  update: ' FOR UPDATE',
};

/** The SQL of the repositories module. */
@Injectable()
export class RepositoriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findByName(
    registryId: string,
    name: string,
    lock: RepositoryLock = 'none',
    manager: EntityManager = this.dataSource.manager,
  ): Promise<RepositoryEntity | undefined> {
    const rows = await manager.query<RepositoryRow[]>(
      `SELECT * FROM repositories WHERE registry_id = $1 AND name = $2${LOCK_CLAUSE[lock]}`,
      [registryId, name],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async findById(id: string): Promise<RepositoryEntity | undefined> {
    const rows = await this.dataSource.query<RepositoryRow[]>(
      'SELECT * FROM repositories WHERE id = $1',
      [id],
    );
    return rows[0] && fromRow(rows[0]);
  }

  /** Those of `names` that exist in the registry, in no order. */
  async findByNames(registryId: string, names: string[]): Promise<RepositoryEntity[]> {
    const rows = await this.dataSource.query<RepositoryRow[]>(
      'SELECT * FROM repositories WHERE registry_id = $1 AND name = ANY($2)',
      [registryId, names],
    );
    return rows.map(fromRow);
  }

  /** Up to `limit` repositories of the registry by name, after `after`. */
  async pageByName(registryId: string, limit: number, after?: string): Promise<RepositoryEntity[]> {
    const rows = await this.dataSource.query<RepositoryRow[]>(
      `SELECT * FROM repositories WHERE registry_id = $1 AND ($2::text IS NULL OR name > $2)
        ORDER BY name LIMIT $3`,
      [registryId, after ?? null, limit],
    );
    return rows.map(fromRow);
  }

  /** Up to `limit` repositories with their counts, by id after `after`, across registries. */
  async pageWithStats(
    filter: { registryId?: string; name?: string },
    limit: number,
    after?: string,
  ): Promise<RepositoryStats[]> {
    const rows = await this.dataSource.query<RepositoryStatsRow[]>(
      `${STATS_SELECT}
        WHERE ($1::char(12) IS NULL OR r.registry_id = $1)
          AND ($2::text IS NULL OR r.name = $2)
          AND ($3::bigint IS NULL OR r.id > $3::bigint)
        ORDER BY r.id LIMIT $4`,
      [filter.registryId ?? null, filter.name ?? null, after ?? null, limit],
    );
    return rows.map(toStats);
  }

  async findWithStats(id: string): Promise<RepositoryStats | undefined> {
    const rows = await this.dataSource.query<RepositoryStatsRow[]>(
      `${STATS_SELECT} WHERE r.id = $1`,
      [id],
    );
    return rows[0] && toStats(rows[0]);
  }

  /**
   * Inserts the repository and fills in its id and creation time, or answers undefined when the
   * registry has one of that name: the unique constraint decides between concurrent creators.
   */
  async insert(repo: RepositoryEntity): Promise<RepositoryEntity | undefined> {
    try {
      const rows = await this.dataSource.query<RepositoryRow[]>(
        `INSERT INTO repositories
           (registry_id, name, image_tag_mutability, scan_on_push, encryption_type, kms_key, tags,
            image_tag_mutability_exclusion_filters)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)
         RETURNING *`,
        [
          repo.registryId,
          repo.name,
          repo.imageTagMutability,
          repo.scanOnPush,
          repo.encryptionType,
          repo.kmsKey,
          JSON.stringify(repo.tags),
          JSON.stringify(repo.imageTagMutabilityExclusionFilters),
        ],
      );
      return fromRow(rows[0]);
    } catch (err) {
      if (isUniqueViolation(err, REPOSITORIES_REGISTRY_NAME_KEY)) return undefined;
      throw err;
    }
  }

  /**
   * Inserts the repository within the transaction of `m`, or answers undefined when the registry
   * has one of that name; a concurrent creator's row, not yet committed, is waited for.
   */
  async insertIfAbsent(
    m: EntityManager,
    repo: RepositoryEntity,
  ): Promise<RepositoryEntity | undefined> {
    const rows = await m.query<RepositoryRow[]>(
      `INSERT INTO repositories
         (registry_id, name, image_tag_mutability, scan_on_push, encryption_type, kms_key, tags,
          image_tag_mutability_exclusion_filters)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb)
       ON CONFLICT ON CONSTRAINT ${REPOSITORIES_REGISTRY_NAME_KEY} DO NOTHING
       RETURNING *`,
      [
        repo.registryId,
        repo.name,
        repo.imageTagMutability,
        repo.scanOnPush,
        repo.encryptionType,
        repo.kmsKey,
        JSON.stringify(repo.tags),
        JSON.stringify(repo.imageTagMutabilityExclusionFilters),
      ],
    );
    return rows[0] && fromRow(rows[0]);
  }

  /** Replaces the repository's resource tags (the caller holds its row). */
  async updateTags(
    manager: EntityManager,
    repositoryId: string,
    tags: RepositoryEntity['tags'],
  ): Promise<void> {
    await manager.query('UPDATE repositories SET tags = $2::jsonb WHERE id = $1', [
      repositoryId,
      JSON.stringify(tags),
    ]);
  }

  /**
   * Sets the repository's tag mutability and its filters; undefined when it does not exist. The
   * update waits for every writer holding the row FOR SHARE (a PutImage deciding on the old
   * setting), and every later writer reads the new one.
   */
  async updateTagMutability(
    registryId: string,
    name: string,
    mutability: string,
    filters: RepositoryEntity['imageTagMutabilityExclusionFilters'],
  ): Promise<RepositoryEntity | undefined> {
    const [rows] = await this.dataSource.query<[RepositoryRow[], number]>(
      `UPDATE repositories
          SET image_tag_mutability = $3, image_tag_mutability_exclusion_filters = $4::jsonb
        WHERE registry_id = $1 AND name = $2
        RETURNING *`,
      [registryId, name, mutability, JSON.stringify(filters)],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async updateScanOnPush(
    registryId: string,
    name: string,
    scanOnPush: boolean,
  ): Promise<RepositoryEntity | undefined> {
    const [rows] = await this.dataSource.query<[RepositoryRow[], number]>(
      `UPDATE repositories SET scan_on_push = $3 WHERE registry_id = $1 AND name = $2 RETURNING *`,
      [registryId, name, scanOnPush],
    );
    return rows[0] && fromRow(rows[0]);
  }

  async hasImages(manager: EntityManager, repositoryId: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      'SELECT 1 FROM images WHERE repository_id = $1 LIMIT 1',
      [repositoryId],
    );
    return rows.length > 0;
  }

  /** Everything the repository holds goes with it (foreign keys ON DELETE CASCADE). */
  async delete(manager: EntityManager, repositoryId: string): Promise<void> {
    await manager.query('DELETE FROM repositories WHERE id = $1', [repositoryId]);
  }
}
