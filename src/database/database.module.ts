import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import type { Logger as PinoLogger } from 'pino';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { ROOT_LOGGER } from '../logging/logger';
import { createDataSource } from './data-source';
import { runMigrationsLocked } from './migrate';

/**
 * Provides the TypeORM `DataSource`, initialised and migrated before any module uses it. The URL
 * is resolved by `main.ts` (external, or the embedded server it started).
 */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      inject: [APP_CONFIG, ROOT_LOGGER],
      useFactory: async (config: AppConfig, logger: PinoLogger): Promise<DataSource> => {
        if (!config.databaseUrl) throw new Error('the database URL must be resolved before boot');
        // The layer cache's LISTEN holds one connection of its own (LayerChangeListener): it
        // counts within DATABASE_POOL_SIZE, so an instance opens no more than that in all.
        const listening = config.layerCacheMs > 0 && config.databasePoolSize > 1 ? 1 : 0;
        const dataSource = createDataSource(
          config.databaseUrl,
          config.databasePoolSize - listening,
          logger,
        );
        await dataSource.initialize();
        const applied = await runMigrationsLocked(dataSource);
        if (applied.length > 0) {
          new Logger('Database').log(
            `applied migrations: ${applied.map((m) => m.name).join(', ')}`,
          );
        }
        return dataSource;
      },
    },
  ],
  exports: [DataSource],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.dataSource.isInitialized) return;
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool | undefined;
    const closed = pool ? connectionsClosed(pool) : Promise.resolve();
    await this.dataSource.destroy();
    await closed;
  }
}

/** How long a stopping instance waits for its connections to finish closing. */
const CLOSE_WAIT_MS = 5_000;

/**
 * Resolves once each of the pool's connections has finished closing (or after CLOSE_WAIT_MS).
 * The pool's `end()` resolves as soon as it has asked them to close: a server stopped right after
 * (the embedded one is) would cut off those still closing, which the pool reports as an error.
 */
function connectionsClosed(pool: Pool): Promise<void> {
  let open = pool.totalCount;
  if (open === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, CLOSE_WAIT_MS);
    timer.unref();
    pool.on('remove', () => {
      if (--open > 0) return;
      clearTimeout(timer);
      resolve();
    });
  });
}
