import * as fs from 'node:fs';
import { withClient } from '../../tooling/pg';
import { stopSwift } from './swift';

export default async function globalTeardown(): Promise<void> {
  if (globalThis.__BERTH_SWIFT_DIR__) await stopSwift(globalThis.__BERTH_SWIFT_DIR__);
  const serverUrl = process.env.BERTH_TEST_SERVER_URL;
  const template = process.env.BERTH_TEST_TEMPLATE;
  if (serverUrl && template && !globalThis.__BERTH_EMBEDDED__) {
    await withClient(serverUrl, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        `SELECT datname FROM pg_database WHERE datname LIKE $1`,
        [`berth_t${process.pid}_%`],
      );
      for (const { datname } of rows)
        await client.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    });
  }
  await globalThis.__BERTH_EMBEDDED__?.stop();
  if (globalThis.__BERTH_EMBEDDED_DIR__) {
    fs.rmSync(globalThis.__BERTH_EMBEDDED_DIR__, { recursive: true, force: true });
  }
}
