import { Injectable } from '@nestjs/common';
import { GcRepository } from './gc.repository';

/**
 * What accounts store, in unique bytes: a blob counts once per account however many of the
 * account's repositories hold it (it is stored once), plus the account's image manifests.
 */
@Injectable()
export class StorageAccountingService {
  constructor(private readonly gc: GcRepository) {}

  /** Stored bytes of each account asked for (0 for one that stores nothing). */
  async accountBytes(accountIds: string[]): Promise<Map<string, number>> {
    if (accountIds.length === 0) return new Map();
    const found = await this.gc.accountBytes(accountIds);
    return new Map(accountIds.map((id) => [id, found.get(id) ?? 0]));
  }
}
