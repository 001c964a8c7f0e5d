import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRepositories1764403200000 implements MigrationInterface {
  name = 'CreateRepositories1764403200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE repositories (
        id bigserial PRIMARY KEY,
        registry_id char(12) NOT NULL CHECK (registry_id ~ '^[0-9]{12}$'),
        name varchar(256) NOT NULL CHECK (char_length(name) >= 2),
        image_tag_mutability varchar(32) NOT NULL DEFAULT 'MUTABLE',
        scan_on_push boolean NOT NULL DEFAULT false,
        encryption_type varchar(16) NOT NULL DEFAULT 'AES256',
        kms_key varchar(2048),
        tags jsonb NOT NULL DEFAULT '[]'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT repositories_registry_name_key UNIQUE (registry_id, name)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE repositories');
  }
}
