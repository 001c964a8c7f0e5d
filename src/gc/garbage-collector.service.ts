import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { reachKillPoint } from '../config/kill-points';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ROOT_LOGGER } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import { StorageGcService } from '../storage/storage-gc.service';
import { GcRepository } from './gc.repository';

/** Rows taken per transaction: short transactions, short row locks. */
const BATCH = 200;

export interface CollectionOptions {
  /** Report what would be removed, and remove nothing. */
  dryRun?: boolean;
  /** Skip the layer stage (its layers are gone already, e.g. after DeleteRepository). */
  blobsOnly?: boolean;
}

/** What one collection removed (or, in a dry run, would remove). */
export interface CollectionReport {
  dryRun: boolean;
  /** The grace applied to unreferenced layers, in seconds (LAYER_GRACE). */
  layerGraceSeconds: number;
  /** Images removed by this run (expired images handed to `expireImages`). */
  images: number;
  layers: number;
  blobs: number;
  /** The bytes of the blobs removed: every one of them stored once, in either driver. */
  bytes: number;
}

/** Why an image handed to `expireImages` was kept. */
export type KeptImage = { digest: string; reason: 'missing' | 'referencedByIndex' };

/**
 * Collects what nothing references any more, online, on any number of instances:
 *
 * 1. layers of a repository that no image of that repository references, once older than
 *    LAYER_GRACE (the time a client has between CompleteLayerUpload and PutImage);
 * 2. blobs that no layer of any repository and no upload references;
 * 3. storage objects that neither a blob nor an upload references, bytes first
 *    (StorageGcService).
 *
 * Each stage commits before the next starts, so a crash anywhere leaves rows that the next run
 * finds unreferenced, never a row that references missing bytes. Work is shared between
 * instances by `SKIP LOCKED`; see GcRepository for the locking argument.
 */
@Injectable()
export class GarbageCollectorService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly gc: GcRepository,
    private readonly storage: StorageGcService,
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  /** Collects until nothing collectable is left (or, with `dryRun`, counts it). */
  async collect(options: CollectionOptions = {}): Promise<CollectionReport> {
    const layerGraceSeconds = this.config.layerGraceSeconds;
    const report: CollectionReport = {
      dryRun: options.dryRun ?? false,
      layerGraceSeconds,
      images: 0,
      layers: 0,
      blobs: 0,
      bytes: 0,
    };
    if (report.dryRun) {
      return { ...report, ...(await this.gc.estimate(layerGraceSeconds)) };
    }
    if (!options.blobsOnly) report.layers = await this.collectLayers(layerGraceSeconds);
    const blobs = await this.collectBlobs();
    report.blobs = blobs.blobs;
    report.bytes = blobs.bytes;
    await this.storage.collect();
    this.record(report);
    return report;
  }

  /**
   * For lifecycle policies: deletes the repository's images `digests` (as BatchDeleteImage by
   * digest would: tags included; an image an index of the repository references is kept), then
   * collects. Answers what was removed, and which images were kept and why.
   */
  async expireImages(
    repositoryId: string,
    digests: string[],
  ): Promise<{ expired: string[]; kept: KeptImage[]; report: CollectionReport }> {
    const { expired, kept } = await this.dataSource.transaction(async (m) => {
      if (!(await this.gc.holdRepository(m, repositoryId))) {
        return {
          expired: [],
          kept: digests.map((digest) => ({ digest, reason: 'missing' as const })),
        };
      }
      return this.expireImagesIn(m, repositoryId, digests);
    });
    const report = await this.collect();
    report.images = expired.length;
    this.countExpired(expired.length);
    return { expired, kept, report };
  }

  /**
   * The deletions of `expireImages`, inside the caller's transaction `m`, which holds the
   * repository row (`FOR SHARE` at least) so that it is not deleted meanwhile. Nothing is
   * collected: the caller collects once its transaction commits, and counts what it expired
   * with `countExpired`.
   */
  async expireImagesIn(
    m: EntityManager,
    repositoryId: string,
    digests: string[],
  ): Promise<{ expired: string[]; kept: KeptImage[] }> {
    const expired: string[] = [];
    const kept: KeptImage[] = [];
    // An index expired along with its children goes first, so that they are free to go.
    let pending = [...new Set(digests)];
    while (pending.length > 0) {
      const referenced: string[] = [];
      for (const digest of pending) {
        const outcome = await this.gc.deleteImageUnlessReferenced(m, repositoryId, digest);
        if (outcome === 'deleted') expired.push(digest);
        else if (outcome === 'missing') kept.push({ digest, reason: 'missing' });
        else referenced.push(digest);
      }
      if (referenced.length === pending.length) {
        kept.push(
          ...referenced.map((digest) => ({ digest, reason: 'referencedByIndex' as const })),
        );
        break;
      }
      pending = referenced;
    }
    return { expired, kept };
  }

  /** Records images expired by a committed `expireImagesIn`. */
  countExpired(images: number): void {
    this.metrics.gcRemoved.inc({ kind: 'images' }, images);
  }

  /** Collects in the background; a failure is logged and left to the next run. */
  collectSoon(options: CollectionOptions = {}): void {
    setImmediate(() => {
      this.collect(options).catch((err: unknown) =>
        this.logger.warn({ err }, 'garbage collection failed; it will be retried'),
      );
    });
  }

  private async collectLayers(graceSeconds: number): Promise<number> {
    let total = 0;
    for (;;) {
      const { locked, deleted } = await this.dataSource.transaction(async (m) => {
        const ids = await this.gc.lockGarbageLayers(m, graceSeconds, BATCH);
        if (ids.length === 0) return { locked: 0, deleted: 0 };
        reachKillPoint(this.config.killPoint, 'gc.layers.locked');
        // A second statement: its snapshot is taken now, after every lock above was granted.
        const n = await this.gc.deleteLayers(m, ids);
        reachKillPoint(this.config.killPoint, 'gc.layers.deleted');
        return { locked: ids.length, deleted: n };
      });
      if (locked > 0) reachKillPoint(this.config.killPoint, 'gc.layers.committed');
      total += deleted;
      if (locked < BATCH) return total;
    }
  }

  private async collectBlobs(): Promise<{ blobs: number; bytes: number }> {
    const total = { blobs: 0, bytes: 0 };
    for (;;) {
      const { locked, blobs, bytes } = await this.dataSource.transaction(async (m) => {
        const digests = await this.gc.lockGarbageBlobs(m, BATCH);
        if (digests.length === 0) return { locked: 0, blobs: 0, bytes: 0 };
        const removed = await this.gc.deleteBlobs(m, digests);
        reachKillPoint(this.config.killPoint, 'gc.blobs.deleted');
        return { locked: digests.length, ...removed };
      });
      if (locked > 0) reachKillPoint(this.config.killPoint, 'gc.blobs.committed');
      total.blobs += blobs;
      total.bytes += bytes;
      if (locked < BATCH) return total;
    }
  }

  private record(report: CollectionReport): void {
    this.metrics.gcReclaimedBytes.inc(report.bytes);
    this.metrics.gcRemoved.inc({ kind: 'layers' }, report.layers);
    this.metrics.gcRemoved.inc({ kind: 'blobs' }, report.blobs);
    if (report.layers + report.blobs > 0) {
      this.logger.info(
        { layers: report.layers, blobs: report.blobs, bytes: report.bytes },
        'garbage collected',
      );
    }
  }
}
