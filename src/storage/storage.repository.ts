import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { BlobStoreDriver } from '../config/app-config';

/** A storage object that neither an upload nor a blob references. */
export interface OrphanObject {
  key: string;
  driver: BlobStoreDriver;
}

/**
 * The SQL of storage bookkeeping (the `storage_objects` rows). The drivers keep the SQL of the
 * bytes they store themselves.
 */
@Injectable()
export class StorageRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * Up to `limit` unreferenced objects, locked until the transaction ends. Rows another
   * transaction holds (another collector, or a foreign key check of a transaction about to
   * reference the object) are skipped.
   */
  lockOrphans(manager: EntityManager, limit: number): Promise<OrphanObject[]> {
    return manager.query<OrphanObject[]>(
      `SELECT s.key, s.driver FROM storage_objects s
        WHERE NOT EXISTS (SELECT 1 FROM uploads u WHERE u.storage_key = s.key)
          AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.storage_key = s.key)
        LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
  }

  async deleteObjects(manager: EntityManager, keys: string[]): Promise<void> {
    await manager.query('DELETE FROM storage_objects WHERE key = ANY($1::uuid[])', [keys]);
  }
}
