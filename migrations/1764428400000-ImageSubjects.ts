import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `subject` of a manifest (the manifest it refers to: a signature's image, an SBOM's), for
 * the referrers API: looked up by repository and subject.
 */
export class ImageSubjects1764428400000 implements MigrationInterface {
  name = 'ImageSubjects1764428400000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE images ADD COLUMN subject_digest varchar(200)');
    await q.query(
      `CREATE INDEX images_subject_idx ON images (repository_id, subject_digest)
        WHERE subject_digest IS NOT NULL`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX images_subject_idx');
    await q.query('ALTER TABLE images DROP COLUMN subject_digest');
  }
}
