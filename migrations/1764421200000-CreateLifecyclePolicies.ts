import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateLifecyclePolicies1764421200000 implements MigrationInterface {
  name = 'CreateLifecyclePolicies1764421200000';

  public async up(q: QueryRunner): Promise<void> {
    // One policy per repository; its row is also what an evaluation locks (FOR UPDATE SKIP
    // LOCKED), so that one instance at a time evaluates a repository.
    await q.query(`
      CREATE TABLE lifecycle_policies (
        repository_id bigint PRIMARY KEY REFERENCES repositories(id) ON DELETE CASCADE,
        policy_text text NOT NULL,
        last_evaluated_at timestamptz
      )`);
    // The latest preview of a repository: what the evaluation would expire at created_at.
    await q.query(`
      CREATE TABLE lifecycle_policy_previews (
        repository_id bigint PRIMARY KEY REFERENCES repositories(id) ON DELETE CASCADE,
        policy_text text NOT NULL,
        status varchar(20) NOT NULL CHECK (status IN ('IN_PROGRESS', 'COMPLETE', 'EXPIRED', 'FAILED')),
        results jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE lifecycle_policy_previews');
    await q.query('DROP TABLE lifecycle_policies');
  }
}
