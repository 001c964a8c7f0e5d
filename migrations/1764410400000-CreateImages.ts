import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateImages1764410400000 implements MigrationInterface {
  name = 'CreateImages1764410400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE images (
        id bigserial PRIMARY KEY,
        repository_id bigint NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        digest varchar(200) NOT NULL,
        manifest bytea NOT NULL,
        media_type varchar(255) NOT NULL,
        artifact_media_type varchar(255),
        size bigint NOT NULL DEFAULT 0,
        pushed_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT images_repository_digest_key UNIQUE (repository_id, digest)
      )`);
    // One row per (repository, tag): a tag names exactly one image, whatever the race.
    await q.query(`
      CREATE TABLE image_tags (
        repository_id bigint NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        tag varchar(300) NOT NULL,
        image_id bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        tagged_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (repository_id, tag)
      )`);
    await q.query('CREATE INDEX image_tags_image_idx ON image_tags (image_id)');
    // The blobs (config and layers) an image manifest references: what may be downloaded.
    await q.query(`
      CREATE TABLE image_layers (
        image_id bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        digest varchar(200) NOT NULL,
        PRIMARY KEY (image_id, digest)
      )`);
    await q.query('CREATE INDEX image_layers_digest_idx ON image_layers (digest)');
    // The manifests an image index (manifest list) references, in the same repository.
    await q.query(`
      CREATE TABLE image_children (
        image_id bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        child_digest varchar(200) NOT NULL,
        PRIMARY KEY (image_id, child_digest)
      )`);
    await q.query('CREATE INDEX image_children_child_idx ON image_children (child_digest)');
    // Secrets the service generates once and every instance shares (e.g. the URL signing key).
    await q.query(`
      CREATE TABLE service_secrets (
        name varchar(64) PRIMARY KEY,
        value bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE service_secrets');
    await q.query('DROP TABLE image_children');
    await q.query('DROP TABLE image_layers');
    await q.query('DROP TABLE image_tags');
    await q.query('DROP TABLE images');
  }
}
