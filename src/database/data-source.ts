import type { Logger } from 'pino';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ALL_MIGRATIONS } from '../../migrations';
import { ALL_ENTITIES } from './entities';
import { ParameterFreeTypeOrmLogger } from './typeorm-logger';

export function dataSourceOptions(url: string, poolSize = 20, logger?: Logger): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ALL_ENTITIES,
    migrations: ALL_MIGRATIONS,
    migrationsTableName: 'berth_migrations',
    // The schema is owned by the migration files alone.
    synchronize: false,
    migrationsRun: false,
    logging: false,
    logger: new ParameterFreeTypeOrmLogger(logger),
    extra: {
      max: poolSize,
      // A request never waits forever for a connection or a lock: it fails as ServerException.
      connectionTimeoutMillis: 10_000,
      application_name: 'berth',
    },
  };
}

export function createDataSource(url: string, poolSize?: number, logger?: Logger): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize, logger));
}
