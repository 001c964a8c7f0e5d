/**
 * PostgreSQL helpers of the test suite and the benchmark (tooling/: code both use, and the
 * service does not).
 */
import { Client } from 'pg';

/**
 * Runs `fn` on a connection of its own, closed afterwards (CREATE and DROP DATABASE cannot run in
 * a pooled transaction).
 */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The URL of `database` on the server of `serverUrl`. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
