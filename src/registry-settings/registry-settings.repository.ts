import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type {
  PullTimeUpdateExclusion,
  RegistryScanningConfiguration,
  RegistrySettingsRecord,
  ReplicationConfiguration,
  SigningConfiguration,
} from './registry-settings.types';

interface SettingsDbRow {
  replication_configuration: ReplicationConfiguration | null;
  scanning_configuration: RegistryScanningConfiguration | null;
  signing_configuration: SigningConfiguration | null;
  registry_policy: string | null;
}

interface ExclusionDbRow {
  principal_arn: string;
  created_at: Date;
}

const toSettings = (row: SettingsDbRow): RegistrySettingsRecord => ({
  replicationConfiguration: row.replication_configuration,
  scanningConfiguration: row.scanning_configuration,
  signingConfiguration: row.signing_configuration,
  registryPolicy: row.registry_policy,
});

const toExclusion = (row: ExclusionDbRow): PullTimeUpdateExclusion => ({
  principalArn: row.principal_arn,
  createdAt: row.created_at,
});

/** The registry_settings columns a put or delete may write. */
type SettingColumn =
  | 'replication_configuration'
  | 'scanning_configuration'
  | 'signing_configuration'
  | 'registry_policy';

/**
 * The SQL of registry settings: one `registry_settings` row per registry, its `account_settings`
 * and its `pull_time_update_exclusions`.
 *
 * Lock order: the `registry_settings` row, then the registry's exclusion rows. Only
 * `insertExclusion` takes both; every other statement is one row's write.
 */
@Injectable()
export class RegistrySettingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(registryId: string): Promise<RegistrySettingsRecord | undefined> {
    const rows = await this.dataSource.query<SettingsDbRow[]>(
      `SELECT replication_configuration, scanning_configuration, signing_configuration,
              registry_policy
         FROM registry_settings WHERE registry_id = $1`,
      [registryId],
    );
    return rows[0] && toSettings(rows[0]);
  }

  /** Writes one setting of the registry (a JSON value, or text for the policy). */
  async put(registryId: string, column: SettingColumn, value: unknown): Promise<void> {
    const cast = column === 'registry_policy' ? 'text' : 'jsonb';
    const param = column === 'registry_policy' ? value : JSON.stringify(value);
    await this.dataSource.query(
      `INSERT INTO registry_settings (registry_id, ${column}) VALUES ($1, $2::${cast})
       ON CONFLICT (registry_id) DO UPDATE SET ${column} = EXCLUDED.${column}`,
      [registryId, param],
    );
  }

  /** Clears one setting; answers what it held, or undefined when it held nothing. */
  async clear<T>(registryId: string, column: SettingColumn): Promise<T | undefined> {
    const [rows] = await this.dataSource.query<[{ old: T }[], number]>(
      `UPDATE registry_settings s SET ${column} = NULL
         FROM (SELECT ${column} AS old FROM registry_settings
                WHERE registry_id = $1 AND ${column} IS NOT NULL FOR UPDATE) o
        WHERE s.registry_id = $1
        RETURNING o.old`,
      [registryId],
    );
    return rows[0]?.old;
  }

  async accountSetting(registryId: string, name: string): Promise<string | undefined> {
    const rows = await this.dataSource.query<{ value: string }[]>(
      'SELECT value FROM account_settings WHERE registry_id = $1 AND name = $2',
      [registryId, name],
    );
    return rows[0]?.value;
  }

  async putAccountSetting(registryId: string, name: string, value: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO account_settings (registry_id, name, value) VALUES ($1, $2, $3)
       ON CONFLICT (registry_id, name) DO UPDATE SET value = EXCLUDED.value`,
      [registryId, name, value],
    );
  }

  /**
   * Adds the exclusion unless the registry already has `limit` of them: `full` when it has, and
   * undefined when the principal is already excluded. The registry's settings row is locked first
   * so that two instances adding at once cannot both pass the count.
   */
  async insertExclusion(
    registryId: string,
    principalArn: string,
    limit: number,
  ): Promise<PullTimeUpdateExclusion | 'full' | undefined> {
    return this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO registry_settings (registry_id) VALUES ($1) ON CONFLICT (registry_id) DO NOTHING`,
        [registryId],
      );
      await m.query('SELECT 1 FROM registry_settings WHERE registry_id = $1 FOR UPDATE', [
        registryId,
      ]);
      const [{ count }] = await m.query<{ count: number }[]>(
        'SELECT count(*)::int AS count FROM pull_time_update_exclusions WHERE registry_id = $1',
        [registryId],
      );
      const rows = await m.query<ExclusionDbRow[]>(
        `INSERT INTO pull_time_update_exclusions (registry_id, principal_arn)
         SELECT $1, $2 WHERE $3::int > 0
         ON CONFLICT (registry_id, principal_arn) DO NOTHING
         RETURNING principal_arn, created_at`,
        [registryId, principalArn, limit - count],
      );
      if (rows[0]) return toExclusion(rows[0]);
      const existing = await m.query<unknown[]>(
        `SELECT 1 FROM pull_time_update_exclusions WHERE registry_id = $1 AND principal_arn = $2`,
        [registryId, principalArn],
      );
      return existing.length > 0 ? undefined : 'full';
    });
  }

  async deleteExclusion(registryId: string, principalArn: string): Promise<boolean> {
    const [, count] = await this.dataSource.query<[unknown[], number]>(
      'DELETE FROM pull_time_update_exclusions WHERE registry_id = $1 AND principal_arn = $2',
      [registryId, principalArn],
    );
    return count > 0;
  }

  /** A page of the registry's exclusions by principal ARN, after `after`. */
  async pageExclusions(
    registryId: string,
    limit: number,
    after?: string,
  ): Promise<PullTimeUpdateExclusion[]> {
    const rows = await this.dataSource.query<ExclusionDbRow[]>(
      `SELECT principal_arn, created_at FROM pull_time_update_exclusions
        WHERE registry_id = $1 AND ($2::text IS NULL OR principal_arn COLLATE "C" > $2)
        ORDER BY principal_arn COLLATE "C" LIMIT $3`,
      [registryId, after ?? null, limit],
    );
    return rows.map(toExclusion);
  }
}
