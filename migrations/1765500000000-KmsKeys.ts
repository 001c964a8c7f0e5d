import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The built-in key service: keys of accounts, each key's material by version (sealed under the
 * master key; rotation adds a version and keeps the old ones for decryption), and aliases, one
 * per name and account. An account's keys and aliases go with it.
 */
export class KmsKeys1765500000000 implements MigrationInterface {
  name = 'KmsKeys1765500000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE kms_keys (
        id uuid NOT NULL CONSTRAINT kms_keys_pkey PRIMARY KEY,
        account_id char(12) NOT NULL
          CONSTRAINT kms_keys_account_id_fkey REFERENCES accounts(id) ON DELETE CASCADE,
        description text NOT NULL DEFAULT '',
        key_manager varchar(16) NOT NULL,
        key_state varchar(32) NOT NULL,
        deletion_date timestamptz,
        rotation_enabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE kms_key_materials (
        key_id uuid NOT NULL
          CONSTRAINT kms_key_materials_key_id_fkey REFERENCES kms_keys(id) ON DELETE CASCADE,
        version integer NOT NULL,
        material bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT kms_key_materials_pkey PRIMARY KEY (key_id, version)
      )`);
    await q.query(`
      CREATE TABLE kms_aliases (
        account_id char(12) NOT NULL
          CONSTRAINT kms_aliases_account_id_fkey REFERENCES accounts(id) ON DELETE CASCADE,
        name varchar(256) NOT NULL,
        key_id uuid NOT NULL
          CONSTRAINT kms_aliases_key_id_fkey REFERENCES kms_keys(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT kms_aliases_pkey PRIMARY KEY (account_id, name)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE kms_aliases');
    await q.query('DROP TABLE kms_key_materials');
    await q.query('DROP TABLE kms_keys');
  }
}
