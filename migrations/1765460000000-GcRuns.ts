import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `gc_runs`: the last garbage collections, for the admin API and the console. A row is written
 * by a collection that removed something or that the admin API asked for, so that an idle
 * deployment's scheduled runs still write nothing; the collector keeps the last 100.
 */
export class GcRuns1765460000000 implements MigrationInterface {
  name = 'GcRuns1765460000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE gc_runs (
        id bigserial PRIMARY KEY,
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL DEFAULT now(),
        requested boolean NOT NULL,
        layers integer NOT NULL,
        blobs integer NOT NULL,
        bytes bigint NOT NULL
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE gc_runs');
  }
}
