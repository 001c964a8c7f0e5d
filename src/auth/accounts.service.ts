import { Injectable } from '@nestjs/common';
import { randomInt } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { isUniqueViolation } from '../common/database-errors';
import { ACCOUNTS_PKEY } from '../database/constraints';
import {
  DeleteConflictException,
  EntityAlreadyExistsException,
  NoSuchEntityException,
} from './auth.errors';
import { AccessKeysService } from './access-keys.service';
import { AuthRepository } from './auth.repository';
import { AccountEntity } from './entities/account.entity';

export interface NewAccount {
  /** 12 digits; generated when absent. */
  accountId?: string;
  name?: string;
}

function randomAccountId(): string {
  // 12 digits, never starting with 0, so that it is never mistaken for a default.
  return String(randomInt(1, 10)) + String(randomInt(0, 1e11)).padStart(11, '0');
}

/** Accounts: each is a registry, named by its 12-digit id. */
@Injectable()
export class AccountsService {
  constructor(
    private readonly repository: AuthRepository,
    private readonly keys: AccessKeysService,
  ) {}

  async create(input: NewAccount, manager?: EntityManager): Promise<AccountEntity> {
    for (let attempt = 0; ; attempt++) {
      const id = input.accountId ?? randomAccountId();
      const row = this.repository.newAccount({ id, name: input.name ?? null });
      try {
        await this.repository.insertAccount(row, manager);
        return row;
      } catch (err) {
        if (!isUniqueViolation(err, ACCOUNTS_PKEY)) throw err;
        if (input.accountId !== undefined) {
          throw new EntityAlreadyExistsException(`The account ${id} already exists`);
        }
        if (attempt >= 5) throw err;
      }
    }
  }

  /** Ordered by id; `after` is the last id of the previous page. */
  list(limit: number, after?: string): Promise<AccountEntity[]> {
    return this.repository.listAccounts(limit, after);
  }

  async get(accountId: string): Promise<AccountEntity> {
    const found = await this.repository.findAccount(accountId);
    if (!found) throw new NoSuchEntityException(`The account ${accountId} does not exist`);
    return found;
  }

  /** Removes an account and its access keys; refused while it owns repositories. */
  async delete(accountId: string): Promise<void> {
    await this.repository.transaction(async (manager) => {
      if (!(await this.repository.lockAccount(manager, accountId)))
        throw new NoSuchEntityException(`The account ${accountId} does not exist`);
      const n = await this.repository.countRepositoriesOf(manager, accountId);
      if (n > 0) {
        throw new DeleteConflictException(
          `The account ${accountId} still owns ${n} repositories; delete them first`,
        );
      }
      // Access keys go with it (ON DELETE CASCADE); the foreign key from repositories is the
      // last word should one be created meanwhile.
      await this.repository.deleteAccount(manager, accountId);
    });
    // Its keys went with it: answer once no instance still holds one of them.
    await this.keys.outlastCachedKeys();
  }
}
