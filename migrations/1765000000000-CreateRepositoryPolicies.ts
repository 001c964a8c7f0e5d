import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateRepositoryPolicies1765000000000 implements MigrationInterface {
  name = 'CreateRepositoryPolicies1765000000000';

  public async up(q: QueryRunner): Promise<void> {
    // One policy per repository, its text exactly as set (GetRepositoryPolicy answers it back).
    await q.query(`
      CREATE TABLE repository_policies (
        repository_id bigint PRIMARY KEY REFERENCES repositories(id) ON DELETE CASCADE,
        policy_text text NOT NULL
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE repository_policies');
  }
}
