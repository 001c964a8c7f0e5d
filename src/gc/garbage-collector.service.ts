import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import { reachKillPoint } from '../config/kill-points';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ROOT_LOGGER } from '../logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import { StorageGcService } from '../storage/storage-gc.service';
import { GcRepository, type GcRunRecord, type ReconciliationStage } from './gc.repository';

/**
 * Rows taken per transaction. Each batch costs a handful of round trips and a commit whatever its
 * size, and those dominated a collection at 200 rows (at 100k images, 50,000 garbage layers took
 * 35–86 s, of which the statements themselves were about 12 s); at 1,000 a batch's statements
 * still take tens of milliseconds, so its row locks (on garbage rows only) stay short.
 */
export const GC_BATCH = 1000;

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

/** What one reconciliation pass fed the review queues with. */
export interface ReconciliationReport {
  /** Rows of the catalogue read (layers, blobs, storage objects). */
  read: number;
  /** Entries fed: garbage the queues had not seen. */
  layers: number;
  blobs: number;
  storageObjects: number;
  /** False when the pass did not finish (another instance holds it, or it was not due). */
  finished: boolean;
}

/** A collection in progress on this instance. */
export interface RunningCollection {
  startedAt: Date;
  /** Whether the admin API asked for it (a second such request is refused). */
  requested: boolean;
}

/** Rows of the catalogue one reconciliation batch reads: each costs an index probe or two. */
const RECONCILE_BATCH = 5000;
/** The most one reconciliation statement may take; a slower batch fails and is retried later. */
const RECONCILE_STATEMENT_TIMEOUT = '60s';

/** Why an image handed to `expireImages` was kept. */
export type KeptImage = { digest: string; reason: 'missing' | 'referencedByIndex' };

/**
 * Collects what nothing references any more, online, on any number of instances, examining only
 * what the review queues name (filled by triggers when something may have been freed):
 *
 * 1. layers of a repository that no image of that repository references, once older than
 *    LAYER_GRACE (the time a client has between CompleteLayerUpload and PutImage);
 * 2. blobs that no layer of any repository and no upload references;
 * 3. storage objects that neither a blob nor an upload references, bytes first
 *    (StorageGcService).
 *
 * Each stage commits before the next starts, so a crash anywhere leaves rows that the next run
 * finds unreferenced (their queue entries commit or roll back with them), never a row that
 * references missing bytes. Work is shared between instances by `SKIP LOCKED`; see GcRepository
 * for the locking argument. What the queues never saw (data from before them) is fed to them by
 * the reconciliation pass, rarely.
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

  private running?: RunningCollection & { report: Promise<CollectionReport> };
  /** A collection asked for while one ran: it runs once that one ends, for every asker. */
  private followUp?: Promise<CollectionReport>;
  private reconciling?: Promise<ReconciliationReport>;
  private stopped = false;

  /** Ends a reconciliation pass at its next batch (its position is stored): the process stops. */
  stop(): void {
    this.stopped = true;
  }

  /** The collection in progress on this instance, if any. */
  inProgress(): RunningCollection | undefined {
    return this.running && { startedAt: this.running.startedAt, requested: this.running.requested };
  }

  /**
   * Collects until nothing collectable in the queues is left (or, with `dryRun`, counts it).
   * One collection at a time per instance: asked while one runs, it runs once that one ends
   * (every such caller shares that one run), so that what was freed meanwhile is collected too.
   */
  collect(options: CollectionOptions = {}, requested = false): Promise<CollectionReport> {
    if (options.dryRun) return this.estimate();
    if (!this.running) return this.start(options, requested);
    this.followUp ??= this.running.report
      .catch(() => undefined)
      .then(() => {
        this.followUp = undefined;
        return this.running ? this.running.report : this.start({}, requested);
      });
    return this.followUp;
  }

  private start(options: CollectionOptions, requested: boolean): Promise<CollectionReport> {
    const startedAt = new Date();
    const report = this.run(options, startedAt, requested).finally(() => {
      if (this.running?.report === report) this.running = undefined;
    });
    this.running = { startedAt, requested, report };
    return report;
  }

  /** What a collection would remove now, from the queues; locks nothing. */
  private async estimate(): Promise<CollectionReport> {
    const layerGraceSeconds = this.config.layerGraceSeconds;
    return {
      dryRun: true,
      layerGraceSeconds,
      images: 0,
      ...(await this.gc.estimate(layerGraceSeconds)),
    };
  }

  /** The last recorded collections, newest first (those that removed something or were asked). */
  history(limit: number, before?: string): Promise<GcRunRecord[]> {
    return this.gc.listRuns(limit, before);
  }

  private async run(
    options: CollectionOptions,
    startedAt: Date,
    requested: boolean,
  ): Promise<CollectionReport> {
    const layerGraceSeconds = this.config.layerGraceSeconds;
    const report: CollectionReport = {
      dryRun: false,
      layerGraceSeconds,
      images: 0,
      layers: 0,
      blobs: 0,
      bytes: 0,
    };
    if (!options.blobsOnly) report.layers = await this.collectLayers(layerGraceSeconds);
    const blobs = await this.collectBlobs();
    report.blobs = blobs.blobs;
    report.bytes = blobs.bytes;
    await this.storage.collect();
    await this.record(report, startedAt, requested);
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

  /**
   * Feeds the review queues with the garbage they never saw (data written before them, or
   * removed with the triggers disabled): walks layers, blobs and storage objects in keyset
   * batches, one short transaction each, storing its position in `gc_reconciliation` so that a
   * pass resumes where it stopped, on any instance. Runs when due (GC_RECONCILE_INTERVAL after
   * the last pass; at once after the upgrade that created the queues), or with `restart` from
   * the first row at once. One instance at a time works on the pass: the others skip.
   */
  reconcile(restart = false): Promise<ReconciliationReport> {
    this.reconciling ??= this.reconcilePass(restart).finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  private async reconcilePass(restart: boolean): Promise<ReconciliationReport> {
    const report: ReconciliationReport = {
      read: 0,
      layers: 0,
      blobs: 0,
      storageObjects: 0,
      finished: false,
    };
    const interval = this.config.gcReconcileIntervalSeconds;
    let first = true;
    while (!this.stopped) {
      const step = await this.dataSource.transaction(async (m) => {
        await m.query(`SET LOCAL statement_timeout = '${RECONCILE_STATEMENT_TIMEOUT}'`);
        const state = await this.gc.lockReconciliation(m);
        if (!state) return 'busy' as const;
        let { stage, position } = state;
        const starting = (first && restart) || (stage === null && state.due);
        if (starting) {
          stage = 'layers';
          position = null;
        } else if (stage === null) {
          return 'idle' as const;
        }
        const stageNow: ReconciliationStage = stage;
        const batch = await this.gc.reconcileBatch(m, stageNow, position, RECONCILE_BATCH);
        report.read += batch.read;
        report[stageNow === 'storage' ? 'storageObjects' : stageNow] += batch.fed;
        let next: { stage: ReconciliationStage | null; position: string | null } = {
          stage: stageNow,
          position: batch.next,
        };
        if (batch.read < RECONCILE_BATCH) {
          const order: (ReconciliationStage | null)[] = ['layers', 'blobs', 'storage', null];
          next = { stage: order[order.indexOf(stageNow) + 1], position: null };
        }
        await this.gc.storeReconciliation(m, next.stage, next.position, interval, starting);
        return next.stage === null ? ('finished' as const) : ('more' as const);
      });
      if (step === 'busy') {
        // Another instance is on a batch of the pass: it carries on.
        if (!restart || !first) return report;
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      first = false;
      if (step === 'idle') return report;
      reachKillPoint(this.config.killPoint, 'gc.reconcile.batched');
      if (step === 'finished') {
        report.finished = true;
        if (report.layers + report.blobs + report.storageObjects > 0) {
          this.logger.info({ ...report }, 'reconciliation fed garbage the queues had not seen');
        }
        return report;
      }
    }
    return report;
  }

  private async collectLayers(graceSeconds: number): Promise<number> {
    let total = 0;
    // Keyset over the queue: an entry left for later (its layer was held) is not taken again
    // by this run.
    let after: string | undefined;
    for (;;) {
      const { taken, deleted, next } = await this.dataSource.transaction(async (m) => {
        const reviews = await this.gc.takeLayerReviews(m, graceSeconds, GC_BATCH, after);
        if (reviews.entries.length === 0) return { taken: 0, deleted: 0, next: after };
        const ids = await this.gc.lockGarbageLayers(m, reviews.subjects, graceSeconds);
        if (ids.length > 0) reachKillPoint(this.config.killPoint, 'gc.layers.locked');
        // A second statement: its snapshot is taken now, after every lock above was granted.
        const n = await this.gc.deleteLayers(m, ids);
        if (ids.length > 0) reachKillPoint(this.config.killPoint, 'gc.layers.deleted');
        await this.gc.settleLayerReviews(m, reviews.entries, ids);
        return { taken: reviews.entries.length, deleted: n, next: reviews.next };
      });
      if (deleted > 0) reachKillPoint(this.config.killPoint, 'gc.layers.committed');
      total += deleted;
      after = next;
      if (taken < GC_BATCH) return total;
    }
  }

  private async collectBlobs(): Promise<{ blobs: number; bytes: number }> {
    const total = { blobs: 0, bytes: 0 };
    let after: string | undefined;
    for (;;) {
      const { taken, blobs, bytes, next } = await this.dataSource.transaction(async (m) => {
        const reviews = await this.gc.takeBlobReviews(m, GC_BATCH, after);
        if (reviews.entries.length === 0) return { taken: 0, blobs: 0, bytes: 0, next: after };
        const digests = await this.gc.lockGarbageBlobs(m, reviews.subjects);
        const removed = await this.gc.deleteBlobs(m, digests);
        if (digests.length > 0) reachKillPoint(this.config.killPoint, 'gc.blobs.deleted');
        await this.gc.settleBlobReviews(m, reviews.entries, digests);
        return { taken: reviews.entries.length, ...removed, next: reviews.next };
      });
      if (blobs > 0) reachKillPoint(this.config.killPoint, 'gc.blobs.committed');
      total.blobs += blobs;
      total.bytes += bytes;
      after = next;
      if (taken < GC_BATCH) return total;
    }
  }

  private async record(
    report: CollectionReport,
    startedAt: Date,
    requested: boolean,
  ): Promise<void> {
    this.metrics.gcReclaimedBytes.inc(report.bytes);
    this.metrics.gcRemoved.inc({ kind: 'layers' }, report.layers);
    this.metrics.gcRemoved.inc({ kind: 'blobs' }, report.blobs);
    const removed = report.layers + report.blobs > 0;
    if (removed) {
      this.logger.info(
        { layers: report.layers, blobs: report.blobs, bytes: report.bytes },
        'garbage collected',
      );
    }
    // An idle scheduled run writes nothing: idle deployments cost PostgreSQL nothing.
    if (!removed && !requested) return;
    try {
      await this.gc.recordRun({
        startedAt,
        requested,
        layers: report.layers,
        blobs: report.blobs,
        bytes: report.bytes,
      });
    } catch (err) {
      // The history is for people; what was removed is removed all the same.
      this.logger.warn({ err }, 'could not record a garbage collection');
    }
  }
}
