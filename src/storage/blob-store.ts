import type { Readable } from 'node:stream';
import type { EntityManager } from 'typeorm';
import type { BlobStoreDriver } from '../config/app-config';

/**
 * Where layer bytes live. A storage object is written part by part while an upload runs, and the
 * same object becomes the layer's blob when the upload completes: bytes are written once and
 * never copied. Metadata (which object, which parts, their sizes) lives in PostgreSQL.
 */
export interface BlobStore {
  readonly driver: BlobStoreDriver;

  /**
   * Stores part `partNo` of object `key` durably before resolving. Writing a part again replaces
   * it. With the postgres driver the write joins `manager`'s transaction.
   */
  writePart(manager: EntityManager, key: string, partNo: number, data: Buffer): Promise<void>;

  /** Streams bytes `[start, end]` (inclusive) of an object whose parts have `partSizes`. */
  read(key: string, partSizes: number[], start: number, end: number): Readable;

  /** Removes every byte of object `key`; idempotent. The postgres driver uses `manager`. */
  remove(manager: EntityManager, key: string): Promise<void>;
}

export const BLOB_STORES = Symbol('BLOB_STORES');

/** Every driver, by name: an object is always read and removed by the driver that wrote it. */
export type BlobStores = Record<BlobStoreDriver, BlobStore>;
