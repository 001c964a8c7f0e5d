import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUploadsAndLayers1764406800000 implements MigrationInterface {
  name = 'CreateUploadsAndLayers1764406800000';

  public async up(q: QueryRunner): Promise<void> {
    // A place where bytes are kept by one driver. An upload writes its parts into one; on
    // completion that same object becomes the layer blob, so no byte is ever copied. An object
    // that neither an upload nor a blob references is garbage and is collected.
    await q.query(`
      CREATE TABLE storage_objects (
        key uuid PRIMARY KEY,
        driver varchar(16) NOT NULL CHECK (driver IN ('filesystem', 'postgres')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE blob_chunks (
        storage_key uuid NOT NULL REFERENCES storage_objects(key) ON DELETE CASCADE,
        part_no integer NOT NULL,
        chunk_no integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (storage_key, part_no, chunk_no)
      )`);
    // Chunks are already compressed layer bytes: skip TOAST compression.
    await q.query('ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL');
    await q.query(`
      CREATE TABLE uploads (
        id uuid PRIMARY KEY,
        repository_id bigint NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        storage_key uuid NOT NULL UNIQUE REFERENCES storage_objects(key),
        bytes_received bigint NOT NULL DEFAULT 0 CHECK (bytes_received >= 0),
        part_sizes bigint[] NOT NULL DEFAULT '{}',
        hash_state bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX uploads_updated_at_idx ON uploads (updated_at)');
    await q.query('CREATE INDEX uploads_repository_idx ON uploads (repository_id)');
    // Content-addressed layer bytes, stored once whatever the number of repositories using them.
    await q.query(`
      CREATE TABLE blobs (
        digest varchar(200) PRIMARY KEY,
        size bigint NOT NULL CHECK (size > 0),
        storage_key uuid NOT NULL UNIQUE REFERENCES storage_objects(key),
        part_sizes bigint[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now()
      )`);
    // A layer of a repository. A repository id belongs to exactly one registry, so this unique
    // constraint is the (registry, repository, digest) uniqueness of layers.
    await q.query(`
      CREATE TABLE layers (
        id bigserial PRIMARY KEY,
        repository_id bigint NOT NULL REFERENCES repositories(id) ON DELETE CASCADE,
        digest varchar(200) NOT NULL REFERENCES blobs(digest),
        size bigint NOT NULL,
        media_type varchar(255) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT layers_repository_digest_key UNIQUE (repository_id, digest)
      )`);
    await q.query('CREATE INDEX layers_digest_idx ON layers (digest)');
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE layers');
    await q.query('DROP TABLE blobs');
    await q.query('DROP TABLE uploads');
    await q.query('DROP TABLE blob_chunks');
    await q.query('DROP TABLE storage_objects');
  }
}
