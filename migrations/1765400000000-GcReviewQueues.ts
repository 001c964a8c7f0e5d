import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Collection driven by what deletions free, not by scans of the catalogue.
 *
 * - `image_layers.repository_id`, filled from the image by a trigger (every writer of image
 *   references gets it, whatever its SQL), and the index `(repository_id, digest)`: "does
 *   repository R still reference digest D" is one index probe.
 * - Review queues, filled by statement-level triggers in the transaction of the statement that
 *   may free something, so that no code path (a forced DeleteRepository cascading, an operator's
 *   SQL) frees an object without queueing it:
 *   - `gc_layer_reviews`: a layer added (unreferenced until a manifest names it) or a layer whose
 *     image reference went; due once its layer is older than LAYER_GRACE (`since` is the layer's
 *     `created_at`, so the grace still counts from the upload);
 *   - `gc_blob_reviews`: a blob whose layer went, or whose upload went;
 *   - `gc_storage_reviews`: a storage object whose upload or blob went.
 *   No unique key on the subject: a writer never waits for another's uncommitted queue row; a
 *   subject queued twice is examined twice, cheaply.
 * - `gc_reconciliation`: the position of the pass that feeds the queues with garbage they never
 *   saw (data written before this migration). Due at once, so upgrading runs it once, online.
 */
export class GcReviewQueues1765400000000 implements MigrationInterface {
  name = 'GcReviewQueues1765400000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE image_layers ADD COLUMN repository_id bigint');
    await q.query(
      `UPDATE image_layers il SET repository_id = i.repository_id FROM images i
        WHERE i.id = il.image_id`,
    );
    await q.query('ALTER TABLE image_layers ALTER COLUMN repository_id SET NOT NULL');
    await q.query(
      'CREATE INDEX image_layers_repository_digest_idx ON image_layers (repository_id, digest)',
    );
    await q.query(`
      CREATE FUNCTION berth_image_layers_repository() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        SELECT repository_id INTO NEW.repository_id FROM images WHERE id = NEW.image_id;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER image_layers_repository BEFORE INSERT ON image_layers
        FOR EACH ROW WHEN (NEW.repository_id IS NULL)
        EXECUTE FUNCTION berth_image_layers_repository()`);

    await q.query(`
      CREATE TABLE gc_layer_reviews (
        id bigserial PRIMARY KEY,
        layer_id bigint NOT NULL,
        since timestamptz NOT NULL
      )`);
    await q.query('CREATE INDEX gc_layer_reviews_since_idx ON gc_layer_reviews (since, id)');
    await q.query('CREATE INDEX gc_layer_reviews_layer_idx ON gc_layer_reviews (layer_id)');
    await q.query(`
      CREATE TABLE gc_blob_reviews (
        id bigserial PRIMARY KEY,
        digest varchar(200) NOT NULL
      )`);
    await q.query('CREATE INDEX gc_blob_reviews_digest_idx ON gc_blob_reviews (digest)');
    await q.query(`
      CREATE TABLE gc_storage_reviews (
        id bigserial PRIMARY KEY,
        key uuid NOT NULL
      )`);
    await q.query('CREATE INDEX gc_storage_reviews_key_idx ON gc_storage_reviews (key)');
    await q.query(`
      CREATE TABLE gc_reconciliation (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        stage varchar(16) CHECK (stage IN ('layers', 'blobs', 'storage')),
        position text,
        due_at timestamptz NOT NULL,
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query('INSERT INTO gc_reconciliation (due_at) VALUES (now())');

    const functions: [string, string][] = [
      [
        'berth_review_added_layers',
        `INSERT INTO gc_layer_reviews (layer_id, since)
           SELECT id, created_at FROM changed ORDER BY id`,
      ],
      [
        'berth_review_unreferenced_layers',
        `INSERT INTO gc_layer_reviews (layer_id, since)
           SELECT l.id, l.created_at
             FROM (SELECT DISTINCT repository_id, digest FROM changed) c
             JOIN layers l ON l.repository_id = c.repository_id AND l.digest = c.digest
            ORDER BY l.id`,
      ],
      [
        'berth_review_removed_layers',
        `INSERT INTO gc_blob_reviews (digest) SELECT DISTINCT digest FROM changed ORDER BY digest`,
      ],
      [
        'berth_review_removed_uploads',
        `INSERT INTO gc_storage_reviews (key) SELECT storage_key FROM changed ORDER BY storage_key;
         INSERT INTO gc_blob_reviews (digest)
           SELECT b.digest FROM changed c JOIN blobs b ON b.storage_key = c.storage_key
            ORDER BY b.digest`,
      ],
      [
        'berth_review_removed_blobs',
        `INSERT INTO gc_storage_reviews (key) SELECT storage_key FROM changed ORDER BY storage_key`,
      ],
    ];
    for (const [fn, body] of functions) {
      await q.query(`
        CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          ${body};
          RETURN NULL;
        END $$`);
    }
    for (const [name, table, event, transition, fn] of TRIGGERS) {
      await q.query(
        `CREATE TRIGGER ${name} AFTER ${event} ON ${table}
           REFERENCING ${transition} TABLE AS changed
           FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
      );
    }
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const [name, table, , , fn] of TRIGGERS) {
      await q.query(`DROP TRIGGER ${name} ON ${table}`);
      await q.query(`DROP FUNCTION IF EXISTS ${fn}()`);
    }
    await q.query('DROP TABLE gc_reconciliation');
    await q.query('DROP TABLE gc_storage_reviews');
    await q.query('DROP TABLE gc_blob_reviews');
    await q.query('DROP TABLE gc_layer_reviews');
    await q.query('DROP TRIGGER image_layers_repository ON image_layers');
    await q.query('DROP FUNCTION berth_image_layers_repository()');
    await q.query('DROP INDEX image_layers_repository_digest_idx');
    await q.query('ALTER TABLE image_layers DROP COLUMN repository_id');
  }
}

const TRIGGERS: [string, string, 'INSERT' | 'DELETE', 'NEW' | 'OLD', string][] = [
  ['layers_review_added', 'layers', 'INSERT', 'NEW', 'berth_review_added_layers'],
  [
    'image_layers_review_removed',
    'image_layers',
    'DELETE',
    'OLD',
    'berth_review_unreferenced_layers',
  ],
  ['layers_review_removed', 'layers', 'DELETE', 'OLD', 'berth_review_removed_layers'],
  ['uploads_review_removed', 'uploads', 'DELETE', 'OLD', 'berth_review_removed_uploads'],
  ['blobs_review_removed', 'blobs', 'DELETE', 'OLD', 'berth_review_removed_blobs'],
];
