import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { AccessKeyEntity, AccessKeyStatus } from './entities/access-key.entity';
import { AccountEntity } from './entities/account.entity';

/** The sealed secret of an active key and its account, as stored. */
export interface StoredActiveKey {
  accountId: string;
  secretCiphertext: Buffer;
  /** How many times the key was deactivated. */
  deactivations: number;
}

/**
 * The SQL of accounts and access keys. Methods that take an `EntityManager` run inside the
 * caller's transaction; the others on the pool.
 */
@Injectable()
export class AuthRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Takes the transaction-level advisory lock `key`: one holder at a time, until it ends. */
  async advisoryLock(manager: EntityManager, key: number): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1)', [key]);
  }

  // Accounts

  /** Inserts `account`; a duplicate id raises the primary key's unique violation. */
  async insertAccount(account: AccountEntity, manager = this.dataSource.manager): Promise<void> {
    await manager.getRepository(AccountEntity).insert(account);
  }

  newAccount(fields: Pick<AccountEntity, 'id' | 'name'>): AccountEntity {
    return this.dataSource.getRepository(AccountEntity).create(fields);
  }

  /** Inserts the account unless it exists. */
  async ensureAccount(manager: EntityManager, accountId: string): Promise<void> {
    await manager.query('INSERT INTO accounts (id) VALUES ($1) ON CONFLICT DO NOTHING', [
      accountId,
    ]);
  }

  /** Ordered by id; `after` is the last id of the previous page. */
  listAccounts(limit: number, after?: string): Promise<AccountEntity[]> {
    const query = this.dataSource
      .getRepository(AccountEntity)
      .createQueryBuilder('a')
      .orderBy('a.id', 'ASC')
      .limit(limit);
    if (after !== undefined) query.where('a.id > :after', { after });
    return query.getMany();
  }

  findAccount(accountId: string): Promise<AccountEntity | null> {
    return this.dataSource.getRepository(AccountEntity).findOneBy({ id: accountId });
  }

  /** Locks the account's row until the transaction ends; false when there is none. */
  async lockAccount(manager: EntityManager, accountId: string): Promise<boolean> {
    const rows = await manager.query<{ id: string }[]>(
      'SELECT id FROM accounts WHERE id = $1 FOR UPDATE',
      [accountId],
    );
    return rows.length > 0;
  }

  async countRepositoriesOf(manager: EntityManager, accountId: string): Promise<number> {
    const [{ n }] = await manager.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM repositories WHERE registry_id = $1',
      [accountId],
    );
    return n;
  }

  /** Deletes the account; its access keys go with it (ON DELETE CASCADE). */
  async deleteAccount(manager: EntityManager, accountId: string): Promise<void> {
    await manager.query('DELETE FROM accounts WHERE id = $1', [accountId]);
  }

  // Access keys

  newAccessKey(fields: Omit<AccessKeyEntity, 'createdAt' | 'deactivations'>): AccessKeyEntity {
    return this.dataSource.getRepository(AccessKeyEntity).create(fields);
  }

  /**
   * Inserts `key`: a duplicate id raises the primary key's unique violation, an account that is
   * not there the foreign key's violation.
   */
  async insertAccessKey(key: AccessKeyEntity, manager = this.dataSource.manager): Promise<void> {
    await manager.getRepository(AccessKeyEntity).insert(key);
  }

  async countAccessKeys(manager: EntityManager): Promise<number> {
    const [{ n }] = await manager.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM access_keys',
    );
    return n;
  }

  /** Ordered by id; `after` is the last id of the previous page. */
  listAccessKeys(
    limit: number,
    options: { accountId?: string; after?: string } = {},
  ): Promise<AccessKeyEntity[]> {
    const query = this.dataSource
      .getRepository(AccessKeyEntity)
      .createQueryBuilder('k')
      .orderBy('k.access_key_id', 'ASC')
      .limit(limit);
    if (options.accountId !== undefined) {
      query.andWhere('k.account_id = :accountId', { accountId: options.accountId });
    }
    if (options.after !== undefined) {
      query.andWhere('k.access_key_id > :after', { after: options.after });
    }
    return query.getMany();
  }

  findAccessKey(accessKeyId: string): Promise<AccessKeyEntity | null> {
    return this.dataSource.getRepository(AccessKeyEntity).findOneBy({ accessKeyId });
  }

  /** False when there is no such key. */
  async setAccessKeyStatus(accessKeyId: string, status: AccessKeyStatus): Promise<boolean> {
    const result = await this.dataSource
      .getRepository(AccessKeyEntity)
      .update({ accessKeyId }, { status });
    return !!result.affected;
  }

  /**
   * Makes the key Inactive, counting a deactivation when it was Active (what withdraws the
   * tokens and download URLs issued to it); false when there is no such key.
   */
  async deactivateAccessKey(accessKeyId: string): Promise<boolean> {
    // UPDATE ... RETURNING answers [rows, count] through TypeORM.
    const [rows] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE access_keys
          SET deactivations = deactivations + CASE WHEN status = 'Active' THEN 1 ELSE 0 END,
              status = 'Inactive'
        WHERE access_key_id = $1
      RETURNING 1`,
      [accessKeyId],
    );
    return rows.length === 1;
  }

  /** False when there is no such key. */
  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(AccessKeyEntity).delete({ accessKeyId });
    return !!result.affected;
  }

  async findActiveKey(accessKeyId: string): Promise<StoredActiveKey | undefined> {
    const rows = await this.dataSource.query<
      { account_id: string; secret_ciphertext: Buffer; deactivations: number }[]
    >(
      `SELECT account_id, secret_ciphertext, deactivations FROM access_keys
        WHERE access_key_id = $1 AND status = 'Active'`,
      [accessKeyId],
    );
    const row = rows[0];
    return (
      row && {
        accountId: row.account_id,
        secretCiphertext: row.secret_ciphertext,
        deactivations: row.deactivations,
      }
    );
  }

  async touchAccessKey(accessKeyId: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE access_keys SET last_used_at = now() WHERE access_key_id = $1',
      [accessKeyId],
    );
  }
}
