import type { Readable, Writable } from 'node:stream';
import type { BlobSink } from '../common/blob-sink';
import type { BlobStoreDriver } from '../config/app-config';
import type { StorageTransaction } from './storage-transaction';

/**
 * A part's bytes stored while they arrive, under a name of their own, before anyone knows which
 * object and part they will be: only `place` makes them that part. Bytes not placed are
 * discarded (and whatever a crash leaves is swept, like any temporary write).
 */
export interface StagedPart extends BlobSink {
  readonly driver: BlobStoreDriver;
  /**
   * Whether `place` can be used: false when staging could not start (no spare database
   * connection, a failed write); the part is then written the ordinary way.
   */
  usable(): boolean;
  /**
   * For a staging that has a transaction of its own (postgres), runs `work` in it, after sending
   * the rest of `data` (the whole part): `place` must join it. Without one, the caller's
   * transaction will do.
   */
  transaction?<T>(data: Buffer, work: (tx: StorageTransaction) => Promise<T>): Promise<T>;
  /**
   * Makes the staged bytes, which must be all of `data`, part `partNo` of object `key`, durably,
   * inside transaction `tx` (what `writePart` does, without writing the bytes again).
   */
  place(tx: StorageTransaction, key: string, partNo: number, data: Buffer): Promise<void>;
}

export function isStagedPart(sink: BlobSink | undefined): sink is StagedPart {
  return typeof (sink as StagedPart | undefined)?.place === 'function';
}

/**
 * Where layer bytes live: a driver knows bytes, storage keys, part numbers, offsets and ranges,
 * and nothing of uploads, layers or rows. A storage object is written part by part while an
 * upload runs, and the same object becomes the layer's blob when the upload completes: bytes are
 * written once and never copied. Metadata (which object, which parts, their sizes, which driver)
 * lives in PostgreSQL, in the callers' transactions; `tx` is that transaction, opaque, which only
 * the postgres driver (whose bytes are rows) joins.
 */
export interface BlobStore {
  readonly driver: BlobStoreDriver;

  /**
   * Stores part `partNo` of object `key` durably before resolving. Writing a part again replaces
   * it. With the postgres driver the write joins transaction `tx`.
   */
  writePart(tx: StorageTransaction, key: string, partNo: number, data: Buffer): Promise<void>;

  /**
   * The first `size` bytes of part `partNo` of object `key`, in memory: a small last part (under
   * MIN_PART_BYTES: only such a part is read back) is read back to be written again with the
   * bytes that follow it. The postgres driver reads in transaction `tx` (no other connection).
   */
  readPart(tx: StorageTransaction, key: string, partNo: number, size: number): Promise<Buffer>;

  /**
   * Makes the parts of object `key`, of `partSizes`, one readable object, before the transaction
   * that records it as a blob commits: idempotent, and of a cost flat in the object's size. A
   * no-op where parts are readable as they are written (filesystem, postgres).
   */
  complete(key: string, partSizes: number[]): Promise<void>;

  /** Starts storing a part whose object and number are not known yet. */
  stagePart(): StagedPart;

  /** Streams bytes `[start, end]` (inclusive) of an object whose parts have `partSizes`. */
  read(key: string, partSizes: number[], start: number, end: number): Readable;

  /**
   * Writes bytes `[start, end]` (inclusive) of the object to `out` and ends it; rejects, with
   * `out` destroyed, when the read fails or `out` closes first (a driver that finds its store
   * unreachable before the first byte may reject with `out` untouched, which the caller can
   * still answer with an error). `out` must be done with a chunk
   * when the chunk's write callback runs (a socket and an HTTP response are): a driver may then
   * reuse that memory for the next chunk.
   */
  send(key: string, partSizes: number[], start: number, end: number, out: Writable): Promise<void>;

  /**
   * Removes every byte of objects `keys` (and a write to them still in progress); idempotent.
   * The postgres driver removes in transaction `tx`.
   */
  remove(tx: StorageTransaction, keys: string[]): Promise<void>;
}

export const BLOB_STORES = Symbol('BLOB_STORES');

/** Every driver, by name: an object is always read and removed by the driver that wrote it. */
export type BlobStores = Record<BlobStoreDriver, BlobStore>;
