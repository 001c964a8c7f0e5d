import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAccounts1764414000000 implements MigrationInterface {
  name = 'CreateAccounts1764414000000';

  public async up(q: QueryRunner): Promise<void> {
    // An account is a registry: its id is the registryId of everything it owns.
    await q.query(`
      CREATE TABLE accounts (
        id char(12) PRIMARY KEY CHECK (id ~ '^[0-9]{12}$'),
        name varchar(128),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The secret is AES-256-GCM under the master key, bound to its access key id; never plaintext.
    await q.query(`
      CREATE TABLE access_keys (
        access_key_id varchar(128) PRIMARY KEY CHECK (access_key_id ~ '^[A-Z0-9]{16,128}$'),
        account_id char(12) NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
        secret_ciphertext bytea NOT NULL,
        status varchar(8) NOT NULL DEFAULT 'Active' CHECK (status IN ('Active', 'Inactive')),
        description varchar(256),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz
      )`);
    await q.query('CREATE INDEX access_keys_account_idx ON access_keys (account_id)');
    // One row: what the master key that encrypted the secrets looks like, so that an instance
    // started with another key refuses to start instead of failing every request.
    await q.query(`
      CREATE TABLE master_key_check (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        check_value bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Registries that hold data from before accounts existed become accounts, so that the
    // foreign key holds and their owner can be given a key.
    await q.query(
      'INSERT INTO accounts (id) SELECT DISTINCT registry_id FROM repositories ON CONFLICT DO NOTHING',
    );
    await q.query(`
      ALTER TABLE repositories ADD CONSTRAINT repositories_registry_account_fkey
        FOREIGN KEY (registry_id) REFERENCES accounts(id)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE repositories DROP CONSTRAINT repositories_registry_account_fkey');
    await q.query('DROP TABLE master_key_check');
    await q.query('DROP TABLE access_keys');
    await q.query('DROP TABLE accounts');
  }
}
