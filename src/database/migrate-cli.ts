import { loadConfig } from '../config/app-config';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded-postgres';
import { runMigrationsLocked } from './migrate';

/** `npm run migration:run` / `migration:revert`: the same database the service would use. */
async function main(): Promise<void> {
  const command = process.argv[2];
  const config = loadConfig();
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort);
  const dataSource = createDataSource(config.databaseUrl ?? embedded!.url, 2);
  await dataSource.initialize();
  try {
    if (command === 'run') {
      const applied = await runMigrationsLocked(dataSource);
      console.log(
        applied.length ? `applied: ${applied.map((m) => m.name).join(', ')}` : 'nothing to apply',
      );
    } else if (command === 'revert') {
      await dataSource.undoLastMigration({ transaction: 'all' });
      console.log('reverted the last migration');
    } else {
      throw new Error('usage: migrate-cli run|revert');
    }
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
