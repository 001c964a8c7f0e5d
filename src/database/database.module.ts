import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Logger as PinoLogger } from 'pino';
import { DataSource } from 'typeorm';
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
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}
