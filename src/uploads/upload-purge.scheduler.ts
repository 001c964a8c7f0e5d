import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ROOT_LOGGER } from '../logging/logger';
import { UploadsService } from './uploads.service';

/** Runs the purge of abandoned uploads on every instance; the SQL keeps them from colliding. */
@Injectable()
export class UploadPurgeScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly uploads: UploadsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const base = this.config.uploadPurgeIntervalSeconds * 1000;
    // Jitter spreads the instances of one deployment over the interval.
    const schedule = (): void => {
      this.timer = setTimeout(tick, base / 2 + Math.random() * base);
      this.timer.unref();
    };
    const tick = (): void => {
      this.running = this.uploads
        .purgeExpired()
        .then(({ uploads }) => {
          if (uploads > 0) this.logger.info({ uploads }, 'expired uploads purged');
        })
        .catch((err: unknown) => this.logger.warn({ err }, 'upload purge failed; retried later'))
        .finally(schedule);
    };
    schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
  }
}
