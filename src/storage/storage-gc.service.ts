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
 * aborted upload, of a deleted repository's uploads, of an upload whose content was already
 * stored, and of a collected blob. Which objects to examine comes from the review queue the
 * deletions of uploads and blobs fill (StorageRepository). Rows are taken `FOR UPDATE SKIP LOCKED`, so instances collecting at once never share
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
  async collect(tempGraceSeconds = DEFAULT_TEMP_GRACE_SECONDS, batch = 500): Promise<number> {
    const filesystem = this.stores.filesystem;
    if (filesystem instanceof FilesystemBlobStore) await filesystem.sweepTemp(tempGraceSeconds);
    let total = 0;
    // Keyset over the queue: an entry left for later (its object was held) is not taken again
    // by this run.
    let after = '0';
    for (;;) {
      const { taken, removed, next } = await this.repository.transaction(async (manager) => {
        const reviews = await this.repository.takeReviews(manager, batch, after);
        if (reviews.entries.length === 0) return { taken: 0, removed: 0, next: after };
        const rows = await this.repository.lockOrphans(manager, reviews.keys);
        const tx = storageTransaction(manager);
        for (const driver of new Set(rows.map((r) => r.driver))) {
          const keys = rows.filter((r) => r.driver === driver).map((r) => r.key);
          await this.stores[driver].remove(tx, keys);
        }
        const keys = rows.map((r) => r.key);
        if (rows.length > 0) {
          reachKillPoint(this.config.killPoint, 'gc.storage.removed');
          await this.repository.deleteObjects(manager, keys);
        }
        await this.repository.settleReviews(manager, reviews.entries, keys);
        return { taken: reviews.entries.length, removed: rows.length, next: reviews.next };
      });
      total += removed;
      after = next;
      if (taken < batch) break;
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
