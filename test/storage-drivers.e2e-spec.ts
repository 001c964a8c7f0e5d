import { randomBytes, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { loadConfig, type BlobStoreDriver } from '../src/config/app-config';
import { createDataSource } from '../src/database/data-source';
import type { BlobStore } from '../src/storage/blob-store';
import { FilesystemBlobStore } from '../src/storage/filesystem-blob.store';
import { PostgresBlobStore } from '../src/storage/postgres-blob.store';
import { S3BlobStore, s3Client } from '../src/storage/s3-blob.store';
import { type StorageTransaction, storageTransaction } from '../src/storage/storage-transaction';
import { createTestDatabase, type TestDatabase } from './support/database';
import { s3TestEnv } from './support/swift';

/**
 * One conformance suite for every storage driver, on real backends (a directory, PostgreSQL,
 * Swift's S3 API): each case runs against each driver, through the BlobStore interface alone.
 * The storage_objects row of each key is the test's, as it is the callers' in Berth.
 */
const MIB = 1024 * 1024;
const BIG = 5 * MIB;

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe.each<BlobStoreDriver>(['filesystem', 'postgres', 's3'])('storage driver %s', (driver) => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let dir: string;
  /** Two instances of the driver, as two Berth instances would hold. */
  let stores: [BlobStore, BlobStore];

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource(db.url, 4);
    await dataSource.initialize();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-drivers-'));
    // For s3, both instances share one prefix: they are one deployment's.
    const s3 = driver === 's3' ? loadConfig(await s3TestEnv()).s3! : undefined;
    const make = async (): Promise<BlobStore> => {
      if (driver === 'filesystem') return new FilesystemBlobStore(dir);
      if (driver === 'postgres') return new PostgresBlobStore(dataSource);
      const store = new S3BlobStore(s3Client(s3!), s3!.bucket, s3!.prefix);
      await store.verify();
      return store;
    };
    stores = [await make(), await make()];
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A new object's key, recorded as the callers record it. */
  async function newKey(): Promise<string> {
    const key = randomUUID();
    await dataSource.query('INSERT INTO storage_objects (key, driver) VALUES ($1, $2)', [
      key,
      driver,
    ]);
    return key;
  }

  function inTx<T>(work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    return dataSource.transaction((manager) => work(storageTransaction(manager)));
  }

  async function writeParts(store: BlobStore, key: string, parts: Buffer[]): Promise<void> {
    for (const [n, data] of parts.entries()) {
      await inTx((tx) => store.writePart(tx, key, n, data));
    }
  }

  it('writes an object in parts and reads it whole and by ranges at and across part ends', async () => {
    const [store] = stores;
    const key = await newKey();
    const parts = [randomBytes(BIG + 3), randomBytes(BIG), randomBytes(1234)];
    const sizes = parts.map((p) => p.length);
    const all = Buffer.concat(parts);
    await writeParts(store, key, parts);
    await store.complete(key, sizes);
    expect((await readAll(store.read(key, sizes, 0, all.length - 1))).equals(all)).toBe(true);
    const p0 = sizes[0];
    const p1 = p0 + sizes[1];
    for (const [start, end] of [
      [p0, p0],
      [p0 - 1, p0],
      [p0 - 10, p1 + 10],
      [p1, all.length - 1],
      [all.length - 1, all.length - 1],
      [0, 0],
    ]) {
      const got = await readAll(store.read(key, sizes, start, end));
      expect(got.equals(all.subarray(start, end + 1))).toBe(true);
    }
  });

  it('resumes an object on another instance: parts from each, completed and read by either', async () => {
    const [a, b] = stores;
    const key = await newKey();
    const parts = [randomBytes(BIG), randomBytes(BIG + 1), randomBytes(17)];
    await inTx((tx) => a.writePart(tx, key, 0, parts[0]));
    await inTx((tx) => b.writePart(tx, key, 1, parts[1]));
    await inTx((tx) => a.writePart(tx, key, 2, parts[2]));
    const sizes = parts.map((p) => p.length);
    await b.complete(key, sizes);
    await a.complete(key, sizes); // a second completion changes nothing
    const all = Buffer.concat(parts);
    expect((await readAll(a.read(key, sizes, 0, all.length - 1))).equals(all)).toBe(true);
  });

  it('reads back a small last part and takes it written again, grown, as the part', async () => {
    const [a, b] = stores;
    const key = await newKey();
    const first = randomBytes(1000);
    await inTx((tx) => a.writePart(tx, key, 0, first));
    const back = await inTx((tx) => b.readPart(tx, key, 0, first.length));
    expect(back.equals(first)).toBe(true);
    const grown = Buffer.concat([first, randomBytes(BIG)]);
    await inTx((tx) => b.writePart(tx, key, 0, grown));
    const last = randomBytes(10);
    await inTx((tx) => a.writePart(tx, key, 1, last));
    const sizes = [grown.length, last.length];
    await a.complete(key, sizes);
    const all = Buffer.concat([grown, last]);
    expect((await readAll(b.read(key, sizes, 0, all.length - 1))).equals(all)).toBe(true);
  });

  it('completes an empty object, and removes it', async () => {
    const [store] = stores;
    const key = await newKey();
    await store.complete(key, []);
    await inTx((tx) => store.remove(tx, [key]));
  });

  it('fails a read of a key it does not hold, and removes one without failing', async () => {
    const [store] = stores;
    const key = randomUUID();
    await expect(readAll(store.read(key, [10], 0, 9))).rejects.toThrow();
    await inTx((tx) => store.remove(tx, [key]));
  });

  it('keeps one whole write of concurrent writers of the same part; a loser may fail', async () => {
    const [a, b] = stores;
    const key = await newKey();
    const head = randomBytes(BIG);
    await inTx((tx) => a.writePart(tx, key, 0, head));
    const one = Buffer.alloc(BIG, 1);
    const two = Buffer.alloc(BIG, 2);
    // Separate transactions, as two instances would write. Berth never does (the upload's row
    // lock orders an upload's writes); a driver may then refuse one (postgres: the second
    // writer's rows meet the first's key), but never mixes them.
    const results = await Promise.allSettled([
      inTx((tx) => a.writePart(tx, key, 1, one)),
      inTx((tx) => b.writePart(tx, key, 1, two)),
    ]);
    const landed = [one, two].filter((_, i) => results[i].status === 'fulfilled');
    expect(landed.length).toBeGreaterThan(0);
    const sizes = [BIG, BIG];
    await b.complete(key, sizes);
    const got = await readAll(a.read(key, sizes, BIG, 2 * BIG - 1));
    expect(landed.some((data) => got.equals(data))).toBe(true);
  });

  it('removes objects in a batch, finished or not: reads of them fail after', async () => {
    const [a, b] = stores;
    const done = await newKey();
    const running = await newKey();
    const other = await newKey();
    const part = randomBytes(BIG);
    await writeParts(a, done, [part]);
    await a.complete(done, [BIG]);
    await writeParts(a, running, [part, randomBytes(3)]);
    await writeParts(a, other, [part]);
    await a.complete(other, [BIG]);
    await inTx((tx) => b.remove(tx, [done, running]));
    await expect(readAll(a.read(done, [BIG], 0, BIG - 1))).rejects.toThrow();
    await expect(inTx((tx) => a.readPart(tx, running, 1, 3))).rejects.toThrow();
    expect((await readAll(b.read(other, [BIG], 0, BIG - 1))).equals(part)).toBe(true);
    // Removing again is no failure.
    await inTx((tx) => b.remove(tx, [done, running]));
  });
});
