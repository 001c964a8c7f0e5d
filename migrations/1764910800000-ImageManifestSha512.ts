import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Manifests are found by the SHA-512 of their bytes too (a /v2 reference `sha512:…`), while
 * images stay known by their sha256 digest. An index on the expression rather than a column: no
 * backfill, nothing to keep in step, and PostgreSQL computes sha512() itself (version 11 on).
 */
export class ImageManifestSha5121764910800000 implements MigrationInterface {
  name = 'ImageManifestSha5121764910800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(
      'CREATE INDEX images_manifest_sha512_idx ON images (repository_id, sha512(manifest))',
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX images_manifest_sha512_idx');
  }
}
