import { DataSource, Migration } from 'typeorm';

// An arbitrary, fixed key: every Berth instance contends for the same advisory lock.
export const MIGRATION_LOCK_KEY = 0x62657274; // "bert"

/**
 * Applies pending migrations while holding a session-level advisory lock, so that several
 * instances starting together apply each migration exactly once: the others wait, then find
 * nothing pending.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
