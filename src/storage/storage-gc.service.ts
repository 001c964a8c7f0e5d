import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { reachKillPoint } from '../config/kill-points';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ROOT_LOGGER } from '../logging/logger';
import { BLOB_STORES, BlobStores } from './blob-store';
import { FilesystemBlobStore } from './filesystem-blob.store';
import { StorageRepository } from './storage.repository';
import { storageTransaction } from './storage-transaction';

/** A write takes seconds at most; a temporary file this old was left by a crash. */
export const DEFAULT_TEMP_GRACE_SECONDS = 600;

/**
 * Removes storage objects that neither an upload nor a blob references: the bytes of a purged or
 * aborted upload, of a deleted repository's uploads, and of an upload whose content was already
 * stored. Rows are taken `FOR UPDATE SKIP LOCKED`, so instances collecting at once never share
 * work, and an object a transaction is about to reference is locked by that transaction's foreign
 * key check and skipped. Bytes go before the row: a crash in between leaves the row, and the next
 * run removes it again.
 */
@Injectable()
export class StorageGcService {
  constructor(
    private readonly repository: StorageRepository,
    @Inject(BLOB_STORES) private readonly stores: BlobStores,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Collects until nothing is left; answers how many objects were removed. Temporary files of the
   * filesystem driver older than `tempGraceSeconds` (far longer than any write takes) go too.
   */
  async collect(batch = 100, tempGraceSeconds = DEFAULT_TEMP_GRACE_SECONDS): Promise<number> {
    const filesystem = this.stores.filesystem;
    if (filesystem instanceof FilesystemBlobStore) await filesystem.sweepTemp(tempGraceSeconds);
    let total = 0;
    for (;;) {
      const removed = await this.repository.transaction(async (manager) => {
        const rows = await this.repository.lockOrphans(manager, batch);
        const tx = storageTransaction(manager);
        for (const driver of new Set(rows.map((r) => r.driver))) {
          const keys = rows.filter((r) => r.driver === driver).map((r) => r.key);
          await this.stores[driver].remove(tx, keys);
        }
        if (rows.length > 0) {
          reachKillPoint(this.config.killPoint, 'gc.storage.removed');
          await this.repository.deleteObjects(
            manager,
            rows.map((r) => r.key),
          );
        }
        return rows.length;
      });
      total += removed;
      if (removed < batch) break;
    }
    if (total > 0) this.logger.info({ removed: total }, 'storage objects collected');
    return total;
  }

  /** Collects in the background; a failure is logged and left to the next run. */
  collectSoon(): void {
    setImmediate(() => {
      this.collect().catch((err: unknown) =>
        this.logger.warn({ err }, 'storage collection failed; it will be retried'),
      );
    });
  }
}
