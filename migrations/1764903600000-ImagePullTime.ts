import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a pull of the image was last recorded (DescribeImages' `lastRecordedPullTime`). Written at
 * most once a day per image, like ECR, so a pull usually writes nothing.
 */
export class ImagePullTime1764903600000 implements MigrationInterface {
  name = 'ImagePullTime1764903600000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE images ADD COLUMN last_pulled_at timestamptz');
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE images DROP COLUMN last_pulled_at');
  }
}
