import { loadConfig } from '../config/app-config';
import { createDataSource } from './data-source';

/**
 * The DataSource the TypeORM CLI loads for `npm run migration:generate`: the external database of
 * `DATABASE_URL` (generation compares the entities with a real, migrated schema).
 */
const config = loadConfig();
if (!config.databaseUrl) {
  throw new Error('migration:generate needs DATABASE_URL pointing at a migrated database');
}
export default createDataSource(config.databaseUrl, 2);
