import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A registry's settings: one row per registry for its replication, scanning and signing
 * configurations and its registry policy (each null until first put), its account settings by
 * name, and the principals whose pulls leave `lastRecordedPullTime` alone. All go with the
 * account.
 */
export class RegistrySettings1765100000000 implements MigrationInterface {
  name = 'RegistrySettings1765100000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE registry_settings (
        registry_id char(12) PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
        replication_configuration jsonb,
        scanning_configuration jsonb,
        signing_configuration jsonb,
        registry_policy text
      )`);
    await q.query(`
      CREATE TABLE account_settings (
        registry_id char(12) NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        name varchar(64) NOT NULL,
        value varchar(64) NOT NULL,
        PRIMARY KEY (registry_id, name)
      )`);
    await q.query(`
      CREATE TABLE pull_time_update_exclusions (
        registry_id char(12) NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        principal_arn varchar(200) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (registry_id, principal_arn)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE pull_time_update_exclusions');
    await q.query('DROP TABLE account_settings');
    await q.query('DROP TABLE registry_settings');
  }
}
