import 'reflect-metadata';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config/app-config';
import {
  EmbeddedDatabase,
  EmbeddedPostgresError,
  startEmbeddedPostgres,
} from './database/embedded-postgres';
import { startupGreeting } from './logging/greeting';
import { createRootLogger } from './logging/logger';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`berth: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createRootLogger(config.logLevel);

  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    logger.info(
      { dataDir: config.dataDir, port: config.embeddedPgPort },
      'starting embedded PostgreSQL',
    );
    embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, (line) =>
      logger.debug({ component: 'postgres' }, line),
    );
    config = { ...config, databaseUrl: embedded.url };
  }

  const app = await createApp(config);
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    try {
      await app.close();
    } finally {
      await embedded?.stop();
      process.exit(0);
    }
  };
  // Nest's own shutdown hooks are bypassed: the embedded database must stop after the app.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  await app.listen(config.port, config.host);
  for (const line of startupGreeting(config, embedded ? 'embedded' : 'external')) {
    logger.info(line.fields, line.msg);
  }
}

main().catch((err: unknown) => {
  const message =
    err instanceof EmbeddedPostgresError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`berth: failed to start: ${message}\n`);
  process.exit(1);
});
