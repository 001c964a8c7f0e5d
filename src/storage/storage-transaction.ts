import type { EntityManager } from 'typeorm';

declare const opaque: unique symbol;

/**
 * The PostgreSQL transaction a storage write belongs to, as the drivers see it: an opaque handle.
 * Only the postgres driver, whose bytes are rows, looks inside (its part rows must commit with
 * the part's bookkeeping); the other drivers ignore it. Callers make one from the transaction
 * they already hold, so the driver interface names no database type.
 */
export interface StorageTransaction {
  readonly [opaque]: true;
}

const managers = new WeakMap<StorageTransaction, EntityManager>();

/** The handle of `manager`'s transaction, for the storage calls made inside it. */
export function storageTransaction(manager: EntityManager): StorageTransaction {
  const handle = Object.freeze({}) as StorageTransaction;
  managers.set(handle, manager);
  return handle;
}

/** The transaction behind a handle: for the postgres driver and the storage module only. */
export function transactionManager(handle: StorageTransaction): EntityManager {
  const manager = managers.get(handle);
  if (!manager) throw new Error('not a storage transaction');
  return manager;
}
