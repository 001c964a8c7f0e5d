import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** A repository as an authorization reads it: its id and its policy's text, if it has one. */
export interface RepositoryWithPolicy {
  repositoryId: string;
  registryId: string;
  repositoryName: string;
  policyText: string | null;
}

interface RepositoryWithPolicyDbRow {
  id: string;
  registry_id: string;
  name: string;
  policy_text: string | null;
}

const toRepositoryWithPolicy = (row: RepositoryWithPolicyDbRow): RepositoryWithPolicy => ({
  repositoryId: row.id,
  registryId: row.registry_id,
  repositoryName: row.name,
  policyText: row.policy_text,
});

/**
 * The SQL of repository policies. A policy row is written only under its repository's row held
 * `FOR SHARE` (`RepositoriesService.require`), so it never outlives its repository: the lock
 * order is the repository row, then its policy row.
 */
@Injectable()
export class PoliciesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findPolicyText(repositoryId: string): Promise<string | undefined> {
    const rows = await this.dataSource.query<{ policy_text: string }[]>(
      'SELECT policy_text FROM repository_policies WHERE repository_id = $1',
      [repositoryId],
    );
    return rows[0]?.policy_text;
  }

  async upsertPolicy(m: EntityManager, repositoryId: string, policyText: string): Promise<void> {
    await m.query(
      `INSERT INTO repository_policies (repository_id, policy_text) VALUES ($1, $2)
       ON CONFLICT (repository_id) DO UPDATE SET policy_text = EXCLUDED.policy_text`,
      [repositoryId, policyText],
    );
  }

  async deletePolicy(m: EntityManager, repositoryId: string): Promise<string | undefined> {
    const [rows] = await m.query<[{ policy_text: string }[], number]>(
      'DELETE FROM repository_policies WHERE repository_id = $1 RETURNING policy_text',
      [repositoryId],
    );
    return rows[0]?.policy_text;
  }

  /** The repository `name` of `registryId` with its policy, in one read; undefined if none. */
  async findByName(registryId: string, name: string): Promise<RepositoryWithPolicy | undefined> {
    const rows = await this.dataSource.query<RepositoryWithPolicyDbRow[]>(
      `SELECT r.id, r.registry_id, r.name, p.policy_text
         FROM repositories r LEFT JOIN repository_policies p ON p.repository_id = r.id
        WHERE r.registry_id = $1 AND r.name = $2`,
      [registryId, name],
    );
    return rows[0] && toRepositoryWithPolicy(rows[0]);
  }

  /** The repository `id` with its policy, in one read; undefined if it is gone. */
  async findById(repositoryId: string): Promise<RepositoryWithPolicy | undefined> {
    const rows = await this.dataSource.query<RepositoryWithPolicyDbRow[]>(
      `SELECT r.id, r.registry_id, r.name, p.policy_text
         FROM repositories r LEFT JOIN repository_policies p ON p.repository_id = r.id
        WHERE r.id = $1`,
      [repositoryId],
    );
    return rows[0] && toRepositoryWithPolicy(rows[0]);
  }
}
