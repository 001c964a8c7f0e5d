import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ROOT_LOGGER } from '../logging/logger';
import { RepositoryDeletions } from '../repositories/repository-deletions';
import { GarbageCollectorService } from './garbage-collector.service';

/** How long after start an instance looks whether a reconciliation pass is due. */
const FIRST_RECONCILE_MS = 2000;

/**
 * Runs the garbage collection on every instance, every GC_INTERVAL or so; instances running at
 * once share the work through `SKIP LOCKED` rather than wait for each other. A run reads the
 * review queues only (an index range scan; nothing when nothing is due), so an idle deployment
 * costs PostgreSQL nothing between runs. Before it, and once soon after start (so that an
 * upgrade reconciles at once, online), it carries on the reconciliation pass when one is due
 * (GC_RECONCILE_INTERVAL): a one-row read otherwise. And at once after a repository's deletion,
 * here: its layers went with it, so the blobs no other repository holds and the bytes of its
 * uploads in progress are garbage now, whatever LAYER_GRACE says.
 */
@Injectable()
export class GcScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private firstReconcile?: NodeJS.Timeout;
  private running?: Promise<void>;
  private reconciling?: Promise<void>;

  constructor(
    private readonly collector: GarbageCollectorService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    private readonly deletions: RepositoryDeletions,
  ) {}

  onApplicationBootstrap(): void {
    this.deletions.onDeleted(() => this.collector.collectSoon({ blobsOnly: true }));
    const base = this.config.gcIntervalSeconds * 1000;
    // Jitter spreads the instances of one deployment over the interval.
    const schedule = (): void => {
      this.timer = setTimeout(tick, base / 2 + Math.random() * base);
      this.timer.unref();
    };
    const tick = (): void => {
      this.running = this.collector
        .reconcile()
        .catch((err: unknown) => this.logger.warn({ err }, 'reconciliation failed; retried later'))
        .then(() => this.collector.collect())
        .then(() => undefined)
        .catch((err: unknown) =>
          this.logger.warn({ err }, 'garbage collection failed; retried later'),
        )
        .finally(schedule);
    };
    schedule();
    this.firstReconcile = setTimeout(() => {
      this.reconciling = this.collector
        .reconcile()
        .then(() => undefined)
        .catch((err: unknown) => this.logger.warn({ err }, 'reconciliation failed; retried later'));
    }, FIRST_RECONCILE_MS);
    this.firstReconcile.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    clearTimeout(this.firstReconcile);
    this.collector.stop();
    await Promise.all([this.running, this.reconciling]);
  }
}
