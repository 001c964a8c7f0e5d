import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How many times each access key was deactivated. A registry token and a download URL carry the
 * count of their key at their issue and are honoured only while it is unchanged, so a key
 * reactivated does not bring back what was issued before its deactivation. Keys start at 0, as
 * do the tokens and URLs issued before this column, which name no count.
 */
export class AccessKeyDeactivations1764925200000 implements MigrationInterface {
  name = 'AccessKeyDeactivations1764925200000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE access_keys ADD COLUMN deactivations integer NOT NULL DEFAULT 0');
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE access_keys DROP COLUMN deactivations');
  }
}
