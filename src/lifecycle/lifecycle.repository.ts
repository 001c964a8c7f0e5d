import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import type { RepositoryImage } from './lifecycle-policy';

export interface PolicyRow {
  policyText: string;
  lastEvaluatedAt: Date | null;
}

/** A `lifecycle_policies` row as PostgreSQL returns it. */
interface PolicyDbRow {
  policy_text: string;
  last_evaluated_at: Date | null;
}

const toPolicy = (row: PolicyDbRow): PolicyRow => ({
  policyText: row.policy_text,
  lastEvaluatedAt: row.last_evaluated_at,
});

/**
 * A repository held for an evaluation or a preview. Its id is a `bigint` column, which PostgreSQL
 * hands over as a string: it stays one, so that no id is ever rounded.
 */
export interface HeldRepository {
  id: string;
  registryId: string;
  name: string;
}

export interface PreviewRow {
  policyText: string;
  status: string;
  results: unknown;
  createdAt: Date;
  /** Seconds since the preview started, by the database's clock. */
  ageSeconds: number;
}

/** The repository's images at one moment, with that moment by the database's clock. */
export interface ImageSnapshot {
  now: Date;
  images: RepositoryImage[];
}

/**
 * The SQL of lifecycle policies: the policy and preview rows, the claim of a repository's
 * evaluation and the snapshot of its images.
 *
 * Lock order (see `RepositoryLock`): the repository row first (`holdRepository`, `FOR SHARE`),
 * then its lifecycle policy row (`claim`, `FOR UPDATE SKIP LOCKED`), then image rows (the
 * expiry's). The claim never waits, so instances evaluating at once never queue on each other.
 */
@Injectable()
export class LifecycleRepository {
  constructor(private readonly dataSource: DataSource) {}

  async findPolicy(repositoryId: string): Promise<PolicyRow | undefined> {
    const rows = await this.dataSource.query<PolicyDbRow[]>(
      'SELECT policy_text, last_evaluated_at FROM lifecycle_policies WHERE repository_id = $1',
      [repositoryId],
    );
    return rows[0] && toPolicy(rows[0]);
  }

  /**
   * Writes the repository's policy. A new or changed policy is due at once: its last evaluation
   * was of another text. Waits for an evaluation holding the row, so no evaluation of the old
   * text commits after this.
   */
  async upsertPolicy(m: EntityManager, repositoryId: string, policyText: string): Promise<void> {
    await m.query(
      `INSERT INTO lifecycle_policies (repository_id, policy_text, last_evaluated_at)
       VALUES ($1, $2, NULL)
       ON CONFLICT (repository_id)
       DO UPDATE SET policy_text = EXCLUDED.policy_text, last_evaluated_at = NULL`,
      [repositoryId, policyText],
    );
  }

  async deletePolicy(m: EntityManager, repositoryId: string): Promise<PolicyRow | undefined> {
    const [rows] = await m.query<[PolicyDbRow[], number]>(
      `DELETE FROM lifecycle_policies WHERE repository_id = $1
       RETURNING policy_text, last_evaluated_at`,
      [repositoryId],
    );
    return rows[0] && toPolicy(rows[0]);
  }

  /**
   * The repositories with a policy; with `dueSeconds`, only those not evaluated for that long.
   * Read without locks: `claim` decides, under its lock, whether one is still to evaluate.
   */
  async candidates(dueSeconds: number | null): Promise<string[]> {
    const rows = await this.dataSource.query<{ repository_id: string }[]>(
      `SELECT repository_id FROM lifecycle_policies
        WHERE $1::int IS NULL OR last_evaluated_at IS NULL
           OR last_evaluated_at <= now() - make_interval(secs => $1::int)
        ORDER BY last_evaluated_at NULLS FIRST, repository_id`,
      [dueSeconds],
    );
    return rows.map((r) => r.repository_id);
  }

  /** Holds the repository row `FOR SHARE` until the transaction ends; undefined if it is gone. */
  async holdRepository(
    m: EntityManager,
    repositoryId: string,
  ): Promise<HeldRepository | undefined> {
    const rows = await m.query<{ id: string; registry_id: string; name: string }[]>(
      'SELECT id, registry_id, name FROM repositories WHERE id = $1 FOR SHARE',
      [repositoryId],
    );
    return rows[0] && { id: rows[0].id, registryId: rows[0].registry_id, name: rows[0].name };
  }

  /**
   * Claims the evaluation of the repository: its policy row `FOR UPDATE SKIP LOCKED`, with
   * `dueSeconds` only while it is still due. Undefined when another transaction holds it (an
   * evaluation on another instance, or a PutLifecyclePolicy), when it is gone, or when another
   * evaluation committed since `candidates` read it (the row is read again once locked).
   */
  async claim(
    m: EntityManager,
    repositoryId: string,
    dueSeconds: number | null,
  ): Promise<string | undefined> {
    const rows = await m.query<{ policy_text: string }[]>(
      `SELECT policy_text FROM lifecycle_policies
        WHERE repository_id = $1
          AND ($2::int IS NULL OR last_evaluated_at IS NULL
               OR last_evaluated_at <= now() - make_interval(secs => $2::int))
        FOR UPDATE SKIP LOCKED`,
      [repositoryId, dueSeconds],
    );
    return rows[0]?.policy_text;
  }

  async markEvaluated(m: EntityManager, repositoryId: string): Promise<void> {
    await m.query(
      'UPDATE lifecycle_policies SET last_evaluated_at = now() WHERE repository_id = $1',
      [repositoryId],
    );
  }

  /**
   * Locks those of the repository's images `digests` that exist, `FOR UPDATE`, in id order;
   * answers their digests. From then on no PutImage can add a tag to them until the transaction
   * ends (it locks the image it tags first), so a snapshot read after this sees every tag they
   * will have when they are deleted.
   */
  async lockImages(m: EntityManager, repositoryId: string, digests: string[]): Promise<string[]> {
    const rows = await m.query<{ digest: string }[]>(
      `SELECT digest FROM images WHERE repository_id = $1 AND digest = ANY($2::varchar[])
        ORDER BY id FOR UPDATE`,
      [repositoryId, digests],
    );
    return rows.map((r) => r.digest);
  }

  /** Every image of the repository with its tags and, for an index, what it references. */
  async snapshot(m: EntityManager, repositoryId: string): Promise<ImageSnapshot> {
    const rows = await m.query<
      { digest: string; pushed_at: Date; tags: string[]; children: string[]; now: Date }[]
    >(
      `SELECT i.digest, i.pushed_at, now() AS now,
              COALESCE((SELECT array_agg(t.tag ORDER BY t.tag) FROM image_tags t
                         WHERE t.image_id = i.id), '{}') AS tags,
              COALESCE((SELECT array_agg(c.child_digest ORDER BY c.child_digest)
                          FROM image_children c WHERE c.image_id = i.id), '{}') AS children
         FROM images i WHERE i.repository_id = $1
        ORDER BY i.id`,
      [repositoryId],
    );
    const now = rows[0]?.now ?? (await m.query<{ now: Date }[]>('SELECT now() AS now'))[0].now;
    return {
      now,
      images: rows.map((r) => ({
        imageDigest: r.digest,
        imageTags: r.tags,
        imagePushedAt: r.pushed_at,
        children: r.children,
      })),
    };
  }

  /**
   * Starts a preview: its row becomes IN_PROGRESS, unless a preview of the repository is in
   * progress and younger than `staleSeconds`. Answers the new preview's start (which tells it
   * from any later one), or undefined when one is in progress. The row's primary key makes that
   * one preview per repository, whichever instances are asked at once.
   */
  async startPreview(
    repositoryId: string,
    policyText: string,
    staleSeconds: number,
  ): Promise<Date | undefined> {
    const rows = await this.dataSource.query<{ created_at: Date }[]>(
      `INSERT INTO lifecycle_policy_previews (repository_id, policy_text, status, results, created_at)
       VALUES ($1, $2, 'IN_PROGRESS', '[]', date_trunc('milliseconds', clock_timestamp()))
       ON CONFLICT (repository_id) DO UPDATE
          SET policy_text = EXCLUDED.policy_text, status = 'IN_PROGRESS', results = '[]',
              created_at = EXCLUDED.created_at
        WHERE lifecycle_policy_previews.status <> 'IN_PROGRESS'
           OR lifecycle_policy_previews.created_at < now() - make_interval(secs => $3::int)
       RETURNING created_at`,
      [repositoryId, policyText, staleSeconds],
    );
    return rows[0]?.created_at;
  }

  /** Records the outcome of the preview started at `startedAt`, unless a newer one replaced it. */
  async finishPreview(
    repositoryId: string,
    startedAt: Date,
    status: 'COMPLETE' | 'FAILED',
    results: unknown,
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE lifecycle_policy_previews SET status = $3, results = $4::jsonb
        WHERE repository_id = $1 AND created_at = $2 AND status = 'IN_PROGRESS'`,
      [repositoryId, startedAt, status, JSON.stringify(results)],
    );
  }

  async findPreview(repositoryId: string): Promise<PreviewRow | undefined> {
    const rows = await this.dataSource.query<
      { policy_text: string; status: string; results: unknown; created_at: Date; age: number }[]
    >(
      `SELECT policy_text, status, results, created_at,
              extract(epoch FROM now() - created_at)::float8 AS age
         FROM lifecycle_policy_previews WHERE repository_id = $1`,
      [repositoryId],
    );
    const row = rows[0];
    return (
      row && {
        policyText: row.policy_text,
        status: row.status,
        results: row.results,
        createdAt: row.created_at,
        ageSeconds: row.age,
      }
    );
  }
}
