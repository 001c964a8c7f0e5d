import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
export type KeyManager = 'CUSTOMER' | 'AWS';

/** A key of an account. */
export interface KmsKeyRecord {
  id: string;
  accountId: string;
  description: string;
  keyManager: KeyManager;
  keyState: KeyState;
  deletionDate: Date | null;
  rotationEnabled: boolean;
  createdAt: Date;
}

/** One version of a key's material, sealed under the master key. */
export interface SealedMaterial {
  version: number;
  sealed: Buffer;
}

export interface KmsAliasRecord {
  name: string;
  keyId: string;
  createdAt: Date;
  lastUpdatedAt: Date;
}

interface KeyRow {
  id: string;
  account_id: string;
  description: string;
  key_manager: KeyManager;
  key_state: KeyState;
  deletion_date: Date | null;
  rotation_enabled: boolean;
  created_at: Date;
}

const KEY_COLUMNS =
  'id, account_id, description, key_manager, key_state, deletion_date, rotation_enabled, created_at';

function keyOf(row: KeyRow): KmsKeyRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    description: row.description,
    keyManager: row.key_manager,
    keyState: row.key_state,
    deletionDate: row.deletion_date,
    rotationEnabled: row.rotation_enabled,
    createdAt: row.created_at,
  };
}

interface AliasRow {
  name: string;
  key_id: string;
  created_at: Date;
  last_updated_at: Date;
}

function aliasOf(row: AliasRow): KmsAliasRecord {
  return {
    name: row.name,
    keyId: row.key_id,
    createdAt: row.created_at,
    lastUpdatedAt: row.last_updated_at,
  };
}

/** The SQL of keys, their material and their aliases. */
@Injectable()
export class KmsRepository {
  constructor(private readonly dataSource: DataSource) {}

  private q(manager?: EntityManager): DataSource | EntityManager {
    return manager ?? this.dataSource;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Inserts a key with its first material, version 1. */
  async insertKey(
    manager: EntityManager,
    key: Pick<KmsKeyRecord, 'id' | 'accountId' | 'description' | 'keyManager' | 'rotationEnabled'>,
    sealed: Buffer,
  ): Promise<KmsKeyRecord> {
    const rows = await manager.query<KeyRow[]>(
      `INSERT INTO kms_keys (id, account_id, description, key_manager, key_state, rotation_enabled)
       VALUES ($1, $2, $3, $4, 'Enabled', $5) RETURNING ${KEY_COLUMNS}`,
      [key.id, key.accountId, key.description, key.keyManager, key.rotationEnabled],
    );
    await manager.query(
      'INSERT INTO kms_key_materials (key_id, version, material) VALUES ($1, 1, $2)',
      [key.id, sealed],
    );
    return keyOf(rows[0]);
  }

  /** The key of that id, in any account (the caller decides what another account's key is). */
  async findKey(
    keyId: string,
    manager?: EntityManager,
    lock = false,
  ): Promise<KmsKeyRecord | undefined> {
    const rows = await this.q(manager).query<KeyRow[]>(
      `SELECT ${KEY_COLUMNS} FROM kms_keys WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [keyId],
    );
    return rows[0] ? keyOf(rows[0]) : undefined;
  }

  /** A page of the account's keys by id, after `after`; keys past their deletion date are gone. */
  async listKeys(accountId: string, limit: number, after?: string): Promise<KmsKeyRecord[]> {
    const rows = await this.dataSource.query<KeyRow[]>(
      `SELECT ${KEY_COLUMNS} FROM kms_keys
        WHERE account_id = $1 AND ($2::uuid IS NULL OR id > $2::uuid)
          AND (deletion_date IS NULL OR deletion_date > now())
        ORDER BY id LIMIT $3`,
      [accountId, after ?? null, limit],
    );
    return rows.map(keyOf);
  }

  async updateKey(
    manager: EntityManager,
    keyId: string,
    change: Partial<Pick<KmsKeyRecord, 'keyState' | 'deletionDate' | 'rotationEnabled'>>,
  ): Promise<KmsKeyRecord> {
    const rows = await manager.query<[KeyRow[], number]>(
      `UPDATE kms_keys
          SET key_state = COALESCE($2, key_state),
              deletion_date = CASE WHEN $3::boolean THEN $4::timestamptz ELSE deletion_date END,
              rotation_enabled = COALESCE($5, rotation_enabled)
        WHERE id = $1 RETURNING ${KEY_COLUMNS}`,
      [
        keyId,
        change.keyState ?? null,
        change.deletionDate !== undefined,
        change.deletionDate ?? null,
        change.rotationEnabled ?? null,
      ],
    );
    return keyOf(rows[0][0]);
  }

  /** The newest version of the key's material. */
  async latestMaterial(keyId: string): Promise<SealedMaterial> {
    const rows = await this.dataSource.query<{ version: number; material: Buffer }[]>(
      `SELECT version, material FROM kms_key_materials
        WHERE key_id = $1 ORDER BY version DESC LIMIT 1`,
      [keyId],
    );
    return { version: rows[0].version, sealed: rows[0].material };
  }

  async material(keyId: string, version: number): Promise<SealedMaterial | undefined> {
    const rows = await this.dataSource.query<{ material: Buffer }[]>(
      'SELECT material FROM kms_key_materials WHERE key_id = $1 AND version = $2',
      [keyId, version],
    );
    return rows[0] ? { version, sealed: rows[0].material } : undefined;
  }

  async materialCount(keyId: string): Promise<number> {
    const rows = await this.dataSource.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM kms_key_materials WHERE key_id = $1',
      [keyId],
    );
    return rows[0].n;
  }

  /** Adds the next version of the key's material, under the key's row lock. */
  async addMaterial(
    manager: EntityManager,
    keyId: string,
    seal: (version: number) => Buffer,
  ): Promise<number> {
    const rows = await manager.query<{ version: number }[]>(
      'SELECT COALESCE(max(version), 0) + 1 AS version FROM kms_key_materials WHERE key_id = $1',
      [keyId],
    );
    const version = rows[0].version;
    await manager.query(
      'INSERT INTO kms_key_materials (key_id, version, material) VALUES ($1, $2, $3)',
      [keyId, version, seal(version)],
    );
    return version;
  }

  async findAlias(
    accountId: string,
    name: string,
    manager?: EntityManager,
  ): Promise<KmsAliasRecord | undefined> {
    const rows = await this.q(manager).query<AliasRow[]>(
      `SELECT name, key_id, created_at, last_updated_at FROM kms_aliases
        WHERE account_id = $1 AND name = $2`,
      [accountId, name],
    );
    return rows[0] ? aliasOf(rows[0]) : undefined;
  }

  /** Inserts the alias unless the account has one of that name: false then. */
  async insertAlias(
    accountId: string,
    name: string,
    keyId: string,
    manager?: EntityManager,
  ): Promise<boolean> {
    const rows = await this.q(manager).query<unknown[]>(
      `INSERT INTO kms_aliases (account_id, name, key_id) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING name`,
      [accountId, name, keyId],
    );
    return rows.length > 0;
  }

  async deleteAlias(accountId: string, name: string): Promise<boolean> {
    const rows = await this.dataSource.query<[unknown[], number]>(
      'DELETE FROM kms_aliases WHERE account_id = $1 AND name = $2 RETURNING name',
      [accountId, name],
    );
    return rows[1] > 0;
  }

  /** A page of the account's aliases by name, after `after`; of one key with `keyId`. */
  async listAliases(
    accountId: string,
    keyId: string | undefined,
    limit: number,
    after?: string,
  ): Promise<KmsAliasRecord[]> {
    const rows = await this.dataSource.query<AliasRow[]>(
      `SELECT a.name, a.key_id, a.created_at, a.last_updated_at
         FROM kms_aliases a JOIN kms_keys k ON k.id = a.key_id
        WHERE a.account_id = $1 AND ($2::uuid IS NULL OR a.key_id = $2::uuid)
          AND ($3::text IS NULL OR a.name > $3::text)
          AND (k.deletion_date IS NULL OR k.deletion_date > now())
        ORDER BY a.name LIMIT $4`,
      [accountId, keyId ?? null, after ?? null, limit],
    );
    return rows.map(aliasOf);
  }
}
