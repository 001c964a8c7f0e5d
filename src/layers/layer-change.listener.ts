import {
  Inject,
  Injectable,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { LAYER_CHANGES_CHANNEL } from '../database/constraints';
import { ROOT_LOGGER } from '../logging/logger';
import { LayerCache } from './layer-cache';
import { LayersRepository, Subscription } from './layers.repository';

/** How long after losing the listening connection the next attempt waits, at first and at most. */
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/**
 * Keeps the layer cache told of every committed removal of layers or repositories, on any
 * instance: it LISTENs to the notifications the database's triggers send (migration
 * LayerChangeNotifications; additions are not notified, see there). The cache is in use only while the LISTEN is: from the moment it
 * is in effect (what was kept before is forgotten then), until its connection is lost (the cache
 * is suspended, and forgotten again once listening resumes).
 */
@Injectable()
export class LayerChangeListener implements OnApplicationBootstrap, OnModuleDestroy {
  private subscription?: Subscription;
  private stopped = false;
  private running?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly repository: LayersRepository,
    private readonly cache: LayerCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(ROOT_LOGGER) private readonly logger?: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.layerCacheMs <= 0) return;
    // The first LISTEN is waited for, so an instance serves from its cache once it is ready.
    let listening!: () => void;
    const first = new Promise<void>((resolve) => (listening = resolve));
    this.running = this.run(listening);
    await Promise.race([first, new Promise((r) => setTimeout(r, 5000).unref())]);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.subscription?.close();
    this.wake?.();
    await this.running;
  }

  /** A notification's payload: repository ids, comma-separated, or `*` for all of them. */
  private onPayload(payload: string): void {
    if (payload === '*' || payload === '') this.cache.invalidateAll();
    else this.cache.invalidate(payload.split(','));
  }

  private async run(listening: () => void): Promise<void> {
    let retryMs = RETRY_MIN_MS;
    while (!this.stopped) {
      try {
        this.subscription = await this.repository.listen(LAYER_CHANGES_CHANNEL, (p) =>
          this.onPayload(p),
        );
        if (this.stopped) {
          this.subscription.close();
          break;
        }
        this.cache.resume();
        listening();
        retryMs = RETRY_MIN_MS;
        const err = await this.subscription.closed;
        this.cache.suspend();
        if (this.stopped) break;
        this.logger?.warn(
          { err },
          'lost the connection that listens for layer changes: layer checks read the database until it is back',
        );
      } catch (err) {
        this.cache.suspend();
        if (this.stopped) break;
        this.logger?.warn({ err }, 'could not listen for layer changes; trying again');
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, retryMs).unref();
      });
      retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
    }
  }
}
