import { MigrationInterface, QueryRunner } from 'typeorm';

export class DropBlobsLastUsedAt1764417600000 implements MigrationInterface {
  name = 'DropBlobsLastUsedAt1764417600000';

  // Written on every completion of a known blob and never read.
  public async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE blobs DROP COLUMN last_used_at');
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE blobs ADD COLUMN last_used_at timestamptz NOT NULL DEFAULT now()');
  }
}
