import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Repository creation templates: one per registry and prefix (the primary key decides between
 * concurrent creators), with the settings a repository created for one of `applied_for`'s
 * purposes takes. An account's templates go with it.
 */
export class RepositoryCreationTemplates1765200000000 implements MigrationInterface {
  name = 'RepositoryCreationTemplates1765200000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE repository_creation_templates (
        registry_id char(12) NOT NULL
          CONSTRAINT repository_creation_templates_registry_fkey
          REFERENCES accounts(id) ON DELETE CASCADE,
        prefix varchar(256) NOT NULL,
        description text,
        applied_for jsonb NOT NULL,
        encryption_type varchar(16),
        kms_key text,
        resource_tags jsonb NOT NULL DEFAULT '[]'::jsonb,
        image_tag_mutability varchar(32) NOT NULL DEFAULT 'MUTABLE',
        image_tag_mutability_exclusion_filters jsonb NOT NULL DEFAULT '[]'::jsonb,
        repository_policy text,
        lifecycle_policy text,
        custom_role_arn text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT repository_creation_templates_pkey PRIMARY KEY (registry_id, prefix)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE repository_creation_templates');
  }
}
