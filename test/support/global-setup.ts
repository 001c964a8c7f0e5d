import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDataSource } from '../../src/database/data-source';
import { EmbeddedDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrationsLocked } from '../../src/database/migrate';
import { databaseUrl, withClient } from '../../tooling/pg';
import { freePort } from '../../tooling/ports';

declare global {
  var __BERTH_EMBEDDED__: EmbeddedDatabase | undefined;
  var __BERTH_EMBEDDED_DIR__: string | undefined;
  var __BERTH_SWIFT_DIR__: string | undefined;
}

/**
 * One PostgreSQL for the whole run: `DATABASE_URL` when it is set (it must allow CREATE
 * DATABASE), otherwise an embedded server in a temporary directory. The schema is migrated once
 * into a template database; each test file clones it (`test/support/database.ts`).
 */
export default async function globalSetup(): Promise<void> {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-pg-'));
    fs.chmodSync(dir, 0o755);
    const embedded = await startEmbeddedPostgres(dir, await freePort());
    globalThis.__BERTH_EMBEDDED__ = embedded;
    globalThis.__BERTH_EMBEDDED_DIR__ = dir;
    // Cloning templates needs CREATE DATABASE, which Berth's own role lacks by design.
    serverUrl = embedded.superuserUrl;
  }
  const template = `berth_template_${process.pid}`;
  await withClient(serverUrl, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS ${template}`);
    await client.query(`CREATE DATABASE ${template}`);
  });
  const dataSource = createDataSource(databaseUrl(serverUrl, template), 2);
  await dataSource.initialize();
  await runMigrationsLocked(dataSource);
  await dataSource.destroy();

  process.env.BERTH_TEST_SERVER_URL = serverUrl;
  process.env.BERTH_TEST_TEMPLATE = template;
  // The suite decides its own database per test file; a DATABASE_URL must not leak into apps.
  process.env.BERTH_TEST_DATABASE_MODE = process.env.DATABASE_URL ? 'external' : 'embedded';
  delete process.env.DATABASE_URL;
  // Where the run's S3-compatible server is described once the first s3 test starts it
  // (test/support/swift.ts); the teardown stops it.
  const swiftDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-swift-'));
  globalThis.__BERTH_SWIFT_DIR__ = swiftDir;
  process.env.BERTH_TEST_SWIFT_DIR = swiftDir;
}
