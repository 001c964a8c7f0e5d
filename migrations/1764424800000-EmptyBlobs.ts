import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An empty blob is a blob: the OCI Distribution API takes it (its digest is the SHA-256 of no
 * bytes), and OCI artifacts use it as their empty config. The ECR API still refuses an upload
 * with no part (EmptyUploadException), before any row is written.
 */
export class EmptyBlobs1764424800000 implements MigrationInterface {
  name = 'EmptyBlobs1764424800000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE blobs DROP CONSTRAINT blobs_size_check`);
    await q.query(`ALTER TABLE blobs ADD CONSTRAINT blobs_size_check CHECK (size >= 0)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DELETE FROM blobs WHERE size = 0');
    await q.query(`ALTER TABLE blobs DROP CONSTRAINT blobs_size_check`);
    await q.query(`ALTER TABLE blobs ADD CONSTRAINT blobs_size_check CHECK (size > 0)`);
  }
}
