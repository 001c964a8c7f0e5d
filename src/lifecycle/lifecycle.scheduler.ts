import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ROOT_LOGGER } from '../logging/logger';
import { LifecycleService } from './lifecycle.service';

/**
 * Evaluates the lifecycle policies that are due on every instance, every LIFECYCLE_INTERVAL or
 * so; instances running at once never evaluate one repository twice (the policy row is claimed
 * `FOR UPDATE SKIP LOCKED`, and re-read as due once claimed).
 */
@Injectable()
export class LifecycleScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly lifecycle: LifecycleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const base = this.config.lifecycleIntervalSeconds * 1000;
    // Jitter spreads the instances of one deployment over the interval.
    const schedule = (): void => {
      this.timer = setTimeout(tick, base / 2 + Math.random() * base);
      this.timer.unref();
    };
    const tick = (): void => {
      this.running = this.lifecycle
        .apply({ dueOnly: true })
        .then(() => undefined)
        .catch((err: unknown) =>
          this.logger.warn({ err }, 'lifecycle policy evaluation failed; retried later'),
        )
        .finally(schedule);
    };
    schedule();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    await this.running;
  }
}
