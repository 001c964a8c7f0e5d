import { randomBytes } from 'node:crypto';
import { databaseUrl, withClient } from '../../tooling/pg';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest (globalSetup)`);
  return value;
}

/** A fresh, migrated database cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = env('BERTH_TEST_SERVER_URL');
  const template = env('BERTH_TEST_TEMPLATE');
  const runPid = template.replace('berth_template_', '');
  const name = `berth_t${runPid}_${randomBytes(6).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
      break;
    } catch (err) {
      // Two clones of one template at the same instant can collide; a retry settles it.
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
  return {
    name,
    url: databaseUrl(serverUrl, name),
    drop: () =>
      withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(
        () => undefined,
      ),
  };
}
