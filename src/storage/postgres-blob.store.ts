import { randomUUID } from 'node:crypto';
import { Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom, to as copyTo, type CopyStreamQuery } from 'pg-copy-streams';
import type { DataSource, QueryRunner } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { BinaryCopyRows } from './binary-copy-rows';
import { BlobStore, StagedPart } from './blob-store';
import { type ChunkSlice, chunkSlices } from './blob-ranges';
import {
  type StorageTransaction,
  storageTransaction,
  transactionManager,
} from './storage-transaction';

/** Rows of 1 MiB, so that a part is read back in small steps. */
export const CHUNK_BYTES = 1024 * 1024;

const COPY_CHUNKS =
  'COPY blob_chunks (storage_key, part_no, chunk_no, data) FROM STDIN (FORMAT binary)';
// PostgreSQL's binary COPY format: signature, flags, header extension length.
const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const COPY_TRAILER = Buffer.from([0xff, 0xff]);
const FIELDS = 4;

/**
 * The row's fields before its data, in the binary COPY format: the field count, then each field
 * as a length and its bytes (uuid as 16 bytes, integers as 4 bytes big-endian), then the length
 * of the bytea that follows.
 */
function rowPrefix(key: Buffer, partNo: number, chunkNo: number, dataBytes: number): Buffer {
  const row = Buffer.allocUnsafe(2 + 4 + 16 + 4 + 4 + 4 + 4 + 4);
  let at = row.writeInt16BE(FIELDS, 0);
  at = row.writeInt32BE(16, at);
  at += key.copy(row, at);
  at = row.writeInt32BE(4, at);
  at = row.writeInt32BE(partNo, at);
  at = row.writeInt32BE(4, at);
  at = row.writeInt32BE(chunkNo, at);
  row.writeInt32BE(dataBytes, at);
  return row;
}

/**
 * The COPY rows of bytes `[from, to)` of `data`, `from` at a row's start: each 1 MiB row's
 * prefix, then its bytes as they are (the last row of a part may be shorter).
 */
function* chunkRows(
  keyBytes: Buffer,
  partNo: number,
  data: Buffer,
  from: number,
  to: number,
): Generator<Buffer> {
  for (let at = from; at < to; at += CHUNK_BYTES) {
    const chunk = data.subarray(at, Math.min(at + CHUNK_BYTES, to));
    yield rowPrefix(keyBytes, partNo, at / CHUNK_BYTES, chunk.length);
    yield chunk;
  }
}

/** Removes the rows of part `partNo` of `key`, if any: a part written again replaces them. */
async function clearPart(tx: StorageTransaction, key: string, partNo: number): Promise<void> {
  await transactionManager(tx).query(
    'DELETE FROM blob_chunks WHERE storage_key = $1 AND part_no = $2',
    [key, partNo],
  );
}

function uuidBytes(key: string): Buffer {
  const hex = key.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`storage key ${key} is not a uuid`);
  return Buffer.from(hex, 'hex');
}

/** Rows read by one `COPY`: 8 MiB, about 10 ms of PostgreSQL's sending on a 2-core machine. */
export const READ_BATCH_CHUNKS = 8;

/**
 * The statement that sends rows `from` to `to` (inclusive, as (part, row) pairs) of `key` in
 * storage order. COPY takes no parameters: the key is a checked uuid and the rest are integers.
 * The row comparisons are conditions on the primary key's index, which gives the order.
 */
export function copyRowsStatement(
  key: string,
  from: { partNo: number; chunkNo: number },
  to: { partNo: number; chunkNo: number },
): string {
  uuidBytes(key);
  const ints = [from.partNo, from.chunkNo, to.partNo, to.chunkNo];
  if (!ints.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new Error('row numbers are non-negative integers');
  }
  return (
    `COPY (SELECT part_no, chunk_no, data FROM blob_chunks WHERE storage_key = '${key}'` +
    ` AND (part_no, chunk_no) >= (${ints[0]}, ${ints[1]}) AND (part_no, chunk_no) <= (${ints[2]}, ${ints[3]})` +
    ' ORDER BY part_no, chunk_no) TO STDOUT (FORMAT binary)'
  );
}

/**
 * The bytes of `slices` (the rows of a read, in storage order), a batch of rows per `COPY`. Each
 * row must be the one expected, of the size expected: a missing or short row fails the read (the
 * client sees a cut body), never silently shifts the bytes after it.
 */
class ChunkReader extends Readable {
  private next: IteratorResult<ChunkSlice>;
  private fetching = false;
  private wanted = false;

  constructor(
    private readonly pool: Pool,
    private readonly key: string,
    private readonly slices: Iterator<ChunkSlice>,
    private readonly batchChunks: number,
  ) {
    super({ highWaterMark: batchChunks * CHUNK_BYTES });
    this.next = slices.next();
  }

  override _read(): void {
    this.wanted = true;
    if (!this.fetching) void this.fetch();
  }

  private async fetch(): Promise<void> {
    this.fetching = true;
    try {
      while (this.wanted && !this.destroyed) {
        this.wanted = false;
        const batch: ChunkSlice[] = [];
        while (!this.next.done && batch.length < this.batchChunks) {
          batch.push(this.next.value);
          this.next = this.slices.next();
        }
        if (batch.length === 0) {
          this.push(null);
          return;
        }
        await this.copyBatch(batch);
      }
    } catch (err) {
      this.destroy(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.fetching = false;
    }
  }

  /** One `COPY` of `batch`, whose bytes are pushed as they arrive, however far the reader is. */
  private async copyBatch(batch: ChunkSlice[]): Promise<void> {
    const client = await this.pool.connect();
    if (this.destroyed) {
      client.release();
      return;
    }
    // A connection that breaks while it is checked out reports here (not to the pool).
    let broken: Error | undefined;
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    let failure: Error | undefined;
    try {
      await this.copyInto(client, batch);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      throw failure;
    } finally {
      client.off('error', onError);
      // A connection left in the middle of a COPY (a row that was not the expected one) is not
      // given to anyone else: releasing it with the error closes it.
      client.release(broken ?? failure);
    }
  }

  private copyInto(client: PoolClient, batch: ChunkSlice[]): Promise<void> {
    const first = batch[0];
    const last = batch[batch.length - 1];
    const copy = client.query(copyTo(copyRowsStatement(this.key, first, last)));
    let index = -1;
    let at = 0;
    const rows = new BinaryCopyRows(3, {
      row: (fields, length) => {
        const slice = batch[++index];
        const partNo = fields[0].length === 4 ? fields[0].readInt32BE(0) : -1;
        const chunkNo = fields[1].length === 4 ? fields[1].readInt32BE(0) : -1;
        if (!slice || slice.partNo !== partNo || slice.chunkNo !== chunkNo) {
          throw new Error(`chunk ${partNo}/${chunkNo} of ${this.key} is not the one expected`);
        }
        if (length !== slice.size) {
          throw new Error(
            `chunk ${partNo}/${chunkNo} of ${this.key} holds ${length} bytes, not ${slice.size}`,
          );
        }
        at = 0;
      },
      data: (piece) => {
        const slice = batch[index];
        const from = Math.max(slice.from - at, 0);
        const to = Math.min(slice.to - at, piece.length);
        at += piece.length;
        // Pushed whatever the reader's pace: the batch is bounded, and the connection is
        // given back as soon as PostgreSQL has sent it.
        if (to > from && !this.destroyed) this.push(piece.subarray(from, to));
      },
    });
    return new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        copy.pause();
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      copy.on('data', (data: Buffer) => {
        if (failed) return;
        try {
          rows.write(data);
        } catch (err) {
          fail(err);
        }
      });
      copy.on('error', fail);
      copy.on('end', () => {
        if (failed) return;
        try {
          rows.end();
          if (index + 1 !== batch.length) {
            const missing = batch[index + 1];
            throw new Error(`chunk ${missing.partNo}/${missing.chunkNo} of ${this.key} is missing`);
          }
          resolve();
        } catch (err) {
          fail(err);
        }
      });
    });
  }
}

/**
 * Keeps bytes as `bytea` rows of `blob_chunks`, written in the transaction of the part's
 * metadata: the part and its bookkeeping commit together or not at all, and a deployment needs
 * nothing but PostgreSQL.
 */
export class PostgresBlobStore implements BlobStore {
  readonly driver = 'postgres' as const;

  constructor(private readonly dataSource: DataSource) {}

  /**
   * A staging holds a connection while its request arrives: only while at least half of the pool
   * is free, so that slow uploads never starve other calls of connections.
   */
  stagePart(): StagedPart {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool | undefined;
    const busy = pool ? pool.totalCount - pool.idleCount + pool.waitingCount : Infinity;
    const max = pool?.options.max ?? 0;
    return new PostgresStagedPart(this.dataSource, busy < max / 2);
  }

  async writePart(
    tx: StorageTransaction,
    key: string,
    partNo: number,
    data: Buffer,
  ): Promise<void> {
    await clearPart(tx, key, partNo);
    const manager = transactionManager(tx);
    // COPY in binary format, on the transaction's own connection: the part's bytes go to the
    // socket as they are, where INSERT parameters are first copied into a message that pg
    // grows step by step (fresh memory for every statement). Per 10 MiB part, measured
    // interleaved on one connection: COPY 94 ms (median), INSERTs of one 1 MiB row 113 ms, of
    // four 1 MiB rows 130-175 ms.
    const client = (await manager.queryRunner?.connect()) as PoolClient | undefined;
    if (!client) throw new Error('a part is written inside a transaction');
    const rows = chunkRows(uuidBytes(key), partNo, data, 0, data.length);
    await pipeline(
      Readable.from([COPY_HEADER, ...rows, COPY_TRAILER]),
      client.query(copyFrom(COPY_CHUNKS)),
    );
  }

  async readPart(
    tx: StorageTransaction,
    key: string,
    partNo: number,
    size: number,
  ): Promise<Buffer> {
    const rows = await transactionManager(tx).query<{ data: Buffer }[]>(
      'SELECT data FROM blob_chunks WHERE storage_key = $1 AND part_no = $2 ORDER BY chunk_no',
      [key, partNo],
    );
    const data = Buffer.concat(rows.map((r) => r.data));
    if (data.length < size) {
      throw new Error(`part ${partNo} of ${key} is shorter than its recorded size`);
    }
    return data.subarray(0, size);
  }

  /**
   * Streams the rows by binary `COPY` (no hex, one statement for many rows), a batch of rows at a
   * time on a connection held only while PostgreSQL sends that batch: the next batch is asked for
   * when the reader has taken the one before, so memory stays near two batches per read and a
   * slow or stalled client never holds a connection.
   */
  read(key: string, partSizes: number[], start: number, end: number): Readable {
    uuidBytes(key);
    return new ChunkReader(
      this.pool(),
      key,
      chunkSlices(partSizes, CHUNK_BYTES, start, end),
      READ_BATCH_CHUNKS,
    );
  }

  /** The rows arrive in memory of their own (the connection's reads): nothing to reuse. */
  send(key: string, partSizes: number[], start: number, end: number, out: Writable): Promise<void> {
    return pipeline(this.read(key, partSizes, start, end), out);
  }

  private pool(): Pool {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool | undefined;
    if (!pool) throw new Error('the database is not connected');
    return pool;
  }

  /** Parts are rows, readable once their transaction commits: nothing to join. */
  async complete(): Promise<void> {}

  async remove(tx: StorageTransaction, keys: string[]): Promise<void> {
    await transactionManager(tx).query(
      'DELETE FROM blob_chunks WHERE storage_key = ANY($1::uuid[])',
      [keys],
    );
  }
}

/**
 * A part sent into `blob_chunks` while it arrives, by COPY, under a storage object of its own, in
 * a transaction opened for it. `place` moves the rows to their object and part (an UPDATE of 1 MiB
 * rows moves their small heap tuples: the chunk data, stored out of line, is not rewritten) and
 * removes the staging object, in the same transaction; anything else rolls it all back.
 */
class PostgresStagedPart implements StagedPart {
  readonly driver = 'postgres' as const;
  private readonly key = randomUUID();
  private readonly keyBytes = uuidBytes(this.key);
  private readonly opened?: Promise<void>;
  private runner?: QueryRunner;
  private copy?: CopyStreamQuery;
  private copyDone?: Promise<void>;
  private available?: Buffer;
  /** Bytes handed to the COPY: whole rows, until the last. */
  private sent = 0;
  private failure?: unknown;
  private placed = false;
  private ended = false;

  constructor(
    private readonly dataSource: DataSource,
    enabled: boolean,
  ) {
    if (!enabled) {
      this.failure = new Error('no spare database connection to stage a part');
      return;
    }
    this.opened = this.open();
    this.opened.catch((err: unknown) => (this.failure ??= err));
  }

  private async open(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    this.runner = runner;
    await runner.startTransaction();
    await runner.query("INSERT INTO storage_objects (key, driver) VALUES ($1, 'postgres')", [
      this.key,
    ]);
    const client = (await runner.connect()) as PoolClient;
    if (this.ended) return;
    const copy = client.query(copyFrom(COPY_CHUNKS));
    this.copy = copy;
    this.copyDone = finished(copy);
    this.copyDone.catch((err: unknown) => (this.failure ??= err));
    copy.write(COPY_HEADER);
    this.pump(false);
  }

  usable(): boolean {
    return this.failure === undefined && !this.ended;
  }

  progress(decoded: Buffer): void {
    this.available = decoded;
    this.pump(false);
  }

  /** Sends every whole MiB that has arrived (and, at the end, the last piece). */
  private pump(final: boolean): void {
    const copy = this.copy;
    const data = this.available;
    if (!copy || !data || this.failure !== undefined) return;
    const to = final ? data.length : data.length - (data.length % CHUNK_BYTES);
    // Queued by the stream when the socket is full: the memory is the request's, held anyway.
    for (const piece of chunkRows(this.keyBytes, 0, data, this.sent, to)) copy.write(piece);
    this.sent = Math.max(this.sent, to);
  }

  async transaction<T>(data: Buffer, work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    await this.opened?.catch(() => undefined);
    const runner = this.runner;
    if (!this.usable() || !runner) {
      await this.discard();
      return this.dataSource.transaction((manager) => work(storageTransaction(manager)));
    }
    try {
      this.available = data;
      this.pump(true);
      this.copy!.end(COPY_TRAILER);
      await this.copyDone;
      const result = await work(storageTransaction(runner.manager));
      // Not taken (the upload is another driver's): the staged rows go with their object.
      if (!this.placed) {
        await runner.query('DELETE FROM storage_objects WHERE key = $1', [this.key]);
      }
      await runner.commitTransaction();
      return result;
    } catch (err) {
      await this.rollback();
      throw err;
    } finally {
      this.ended = true;
      await this.release();
    }
  }

  async place(tx: StorageTransaction, key: string, partNo: number, data: Buffer): Promise<void> {
    if (this.sent !== data.length) throw new Error('the staged bytes are not the whole part');
    await clearPart(tx, key, partNo);
    const manager = transactionManager(tx);
    await manager.query(
      'UPDATE blob_chunks SET storage_key = $1, part_no = $2 WHERE storage_key = $3',
      [key, partNo, this.key],
    );
    await manager.query('DELETE FROM storage_objects WHERE key = $1', [this.key]);
    this.placed = true;
  }

  async discard(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    try {
      await this.opened;
    } catch {
      // opening failed: there may still be a connection to give back
    }
    if (this.copy && !this.copy.writableFinished) {
      this.copy.destroy(new Error('the part was not kept'));
      await this.copyDone?.catch(() => undefined);
    }
    await this.rollback();
    await this.release();
  }

  private async rollback(): Promise<void> {
    try {
      if (this.runner?.isTransactionActive) await this.runner.rollbackTransaction();
    } catch {
      // a broken connection: PostgreSQL rolls back when it closes
    }
  }

  private async release(): Promise<void> {
    const runner = this.runner;
    this.runner = undefined;
    if (runner && !runner.isReleased) await runner.release();
  }
}
