import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Client } from 'pg';
import type { S3Config } from '../../src/config/app-config';
import { bucketContents, hashS3Object } from './s3-check';

/**
 * Consistency checks that read storage directly, below the service: what a crash, an outage or a
 * race could have left wrong is found here even when every API answer looked right.
 *
 * The filesystem driver keeps object `key` as `<blobDir>/<key[0:2]>/<key>/<partNo>` and its
 * temporary files under `<blobDir>/.tmp/`; the postgres driver keeps `blob_chunks` rows
 * (storage_key, part_no, chunk_no); the s3 driver's bucket is read through ./s3-check, for the
 * checks given the instance's S3 settings.
 */

const TEMP_DIR = '.tmp';

export function objectDir(blobDir: string, key: string): string {
  return path.join(blobDir, key.slice(0, 2), key);
}

/** Every object key that has a directory under `blobDir` (the filesystem driver's objects). */
export async function objectKeysOnDisk(blobDir: string): Promise<string[]> {
  const keys: string[] = [];
  let prefixes: string[];
  try {
    prefixes = await fsp.readdir(blobDir);
  } catch {
    return keys;
  }
  for (const prefix of prefixes.filter((p) => p !== TEMP_DIR)) {
    for (const key of await fsp.readdir(path.join(blobDir, prefix))) keys.push(key);
  }
  return keys;
}

interface BlobRow {
  digest: string;
  size: string;
  storage_key: string;
  part_sizes: string[];
  driver: 'filesystem' | 'postgres' | 's3';
}

export interface BlobCheck {
  /** How many blobs were read back and hashed. */
  checked: number;
  bytes: number;
  /** One line per blob whose bytes are missing, of the wrong size, or hash to another digest. */
  problems: string[];
}

async function hashFilesystemObject(
  blobDir: string,
  key: string,
  partSizes: number[],
  problems: string[],
  digest: string,
): Promise<{ hash: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const dir = objectDir(blobDir, key);
  for (let partNo = 0; partNo < partSizes.length; partNo++) {
    const file = path.join(dir, String(partNo));
    let stat: fs.Stats;
    try {
      stat = await fsp.stat(file);
    } catch {
      problems.push(`${digest}: part file ${file} is missing`);
      continue;
    }
    if (stat.size !== partSizes[partNo]) {
      problems.push(
        `${digest}: part ${partNo} holds ${stat.size} bytes on disk, ${partSizes[partNo]} recorded`,
      );
    }
    for await (const chunk of fs.createReadStream(file)) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  }
  return { hash: hash.digest('hex'), size };
}

async function hashPostgresObject(
  pg: Client,
  key: string,
  partSizes: number[],
  problems: string[],
  digest: string,
): Promise<{ hash: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  // Part by part, so a large layer never sits in memory whole.
  for (let partNo = 0; partNo < partSizes.length; partNo++) {
    const { rows } = await pg.query<{ chunk_no: number; data: Buffer }>(
      'SELECT chunk_no, data FROM blob_chunks WHERE storage_key = $1 AND part_no = $2 ORDER BY chunk_no',
      [key, partNo],
    );
    let partBytes = 0;
    rows.forEach((row, i) => {
      if (row.chunk_no !== i) problems.push(`${digest}: part ${partNo} lacks chunk ${i}`);
      hash.update(row.data);
      partBytes += row.data.length;
    });
    if (partBytes !== partSizes[partNo]) {
      problems.push(
        `${digest}: part ${partNo} holds ${partBytes} bytes in blob_chunks, ${partSizes[partNo]} recorded`,
      );
    }
    size += partBytes;
  }
  return { hash: hash.digest('hex'), size };
}

/**
 * Reads every blob's bytes straight from its storage (files in part order, or `blob_chunks` rows
 * ordered by part and chunk) and checks their size and SHA-256 against the row: no layer a
 * client can see may have bytes that do not hash to its digest. `blobDir` is the filesystem
 * driver's root, `s3` the s3 driver's bucket (objects are read whole from it).
 */
export async function verifyBlobs(pg: Client, blobDir: string, s3?: S3Config): Promise<BlobCheck> {
  const { rows } = await pg.query<BlobRow>(
    `SELECT b.digest, b.size, b.storage_key, b.part_sizes, s.driver
       FROM blobs b JOIN storage_objects s ON s.key = b.storage_key ORDER BY b.digest`,
  );
  const problems: string[] = [];
  let bytes = 0;
  for (const row of rows) {
    const partSizes = row.part_sizes.map(Number);
    const expectedSize = Number(row.size);
    if (partSizes.reduce((a, b) => a + b, 0) !== expectedSize) {
      problems.push(
        `${row.digest}: part sizes ${partSizes.join('+')} do not add up to ${row.size}`,
      );
    }
    let stored: { hash: string; size: number };
    if (row.driver === 's3') {
      const got = s3 ? await hashS3Object(s3, row.storage_key) : undefined;
      if (!got) problems.push(`${row.digest}: object ${row.storage_key} is not in the bucket`);
      stored = got ?? { hash: '', size: 0 };
    } else {
      stored =
        row.driver === 'filesystem'
          ? await hashFilesystemObject(blobDir, row.storage_key, partSizes, problems, row.digest)
          : await hashPostgresObject(pg, row.storage_key, partSizes, problems, row.digest);
    }
    const { hash, size } = stored;
    if (size !== expectedSize) {
      problems.push(`${row.digest}: ${size} bytes stored, ${expectedSize} recorded`);
    }
    if (`sha256:${hash}` !== row.digest) {
      problems.push(`${row.digest}: the stored bytes hash to sha256:${hash}`);
    }
    bytes += size;
  }
  const missing = await pg.query<{ digest: string }>(
    `SELECT digest FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM storage_objects s WHERE s.key = b.storage_key)`,
  );
  for (const row of missing.rows) problems.push(`${row.digest}: no storage_objects row`);
  return { checked: rows.length, bytes, problems };
}

export interface OrphanReport {
  /** storage_objects rows that neither an upload nor a blob references. */
  unreferencedObjects: string[];
  /** Object directories under the blob root with no storage_objects row. */
  directoriesWithoutRow: string[];
  /** blob_chunks rows whose storage key has no storage_objects row. */
  chunksWithoutRow: string[];
  /**
   * Bytes inside a referenced object that nothing accounts for: part files or chunks past the
   * recorded parts, names that are no part number, bytes of the other driver.
   */
  strayParts: string[];
  /** Files left in `<blobDir>/.tmp/`. */
  tempFiles: string[];
  /** Objects and multipart uploads in the s3 driver's bucket whose key has no row. */
  bucketWithoutRow: string[];
}

/** The report of a store where nothing is orphaned. */
export const NO_ORPHANS: OrphanReport = {
  unreferencedObjects: [],
  directoriesWithoutRow: [],
  chunksWithoutRow: [],
  strayParts: [],
  tempFiles: [],
  bucketWithoutRow: [],
};

export function orphanCount(report: OrphanReport): number {
  return Object.values<string[]>({ ...report }).reduce((n, list) => n + list.length, 0);
}

/**
 * Everything stored that nothing references. While uploads are in progress, their next part may
 * legitimately exist on disk before its row commits (`partNo === parts recorded`), so that one is
 * tolerated for uploads of the filesystem driver; for a blob, only its recorded parts may exist.
 * With `s3`, the bucket is searched too: an upload's object may have a tail object, one multipart
 * upload, and its completed object (a completion whose commit has not happened); a blob's only
 * its completed object.
 */
export async function findOrphans(
  pg: Client,
  blobDir: string,
  s3?: S3Config,
): Promise<OrphanReport> {
  const objects = await pg.query<{
    key: string;
    driver: 'filesystem' | 'postgres' | 's3';
    blob_parts: number | null;
    upload_parts: number | null;
  }>(
    `SELECT s.key, s.driver,
            (SELECT cardinality(b.part_sizes) FROM blobs b WHERE b.storage_key = s.key) AS blob_parts,
            (SELECT cardinality(u.part_sizes) FROM uploads u WHERE u.storage_key = s.key) AS upload_parts
       FROM storage_objects s`,
  );
  const byKey = new Map(objects.rows.map((r) => [r.key, r]));
  const report: OrphanReport = {
    unreferencedObjects: objects.rows
      .filter((r) => r.blob_parts === null && r.upload_parts === null)
      .map((r) => `${r.key} (${r.driver})`),
    directoriesWithoutRow: [],
    chunksWithoutRow: [],
    strayParts: [],
    tempFiles: [],
    bucketWithoutRow: [],
  };
  const allowedParts = (key: string): { max: number; driver: string } | undefined => {
    const row = byKey.get(key);
    if (!row) return undefined;
    if (row.blob_parts !== null) return { max: row.blob_parts - 1, driver: row.driver };
    // An upload's part `n` (n = parts recorded) may be on disk while its transaction is open, or
    // after a crash cut that transaction (it is replaced when the part is sent again). Chunks of
    // an open transaction are invisible here, so the postgres driver allows none past the count.
    const parts = row.upload_parts ?? 0;
    return { max: row.driver === 'filesystem' ? parts : parts - 1, driver: row.driver };
  };

  let prefixes: string[] = [];
  try {
    prefixes = await fsp.readdir(blobDir);
  } catch {
    // no blob root: nothing on disk
  }
  for (const prefix of prefixes) {
    if (prefix === TEMP_DIR) {
      for (const name of await fsp.readdir(path.join(blobDir, TEMP_DIR)))
        report.tempFiles.push(name);
      continue;
    }
    for (const key of await fsp.readdir(path.join(blobDir, prefix))) {
      const allowed = allowedParts(key);
      if (!allowed) {
        report.directoriesWithoutRow.push(key);
        continue;
      }
      for (const name of await fsp.readdir(path.join(blobDir, prefix, key))) {
        const partNo = /^\d+$/.test(name) ? Number(name) : NaN;
        if (allowed.driver !== 'filesystem' || !(partNo <= allowed.max)) {
          report.strayParts.push(`${key}/${name} (${allowed.driver})`);
        }
      }
    }
  }

  const chunks = await pg.query<{ storage_key: string; part_no: number; n: string }>(
    'SELECT storage_key, part_no, count(*) AS n FROM blob_chunks GROUP BY storage_key, part_no',
  );
  for (const row of chunks.rows) {
    const allowed = allowedParts(row.storage_key);
    if (!allowed) report.chunksWithoutRow.push(`${row.storage_key}/${row.part_no}`);
    else if (allowed.driver !== 'postgres' || row.part_no > allowed.max) {
      report.strayParts.push(`${row.storage_key}/${row.part_no} (${row.n} chunks)`);
    }
  }

  if (s3) {
    const bucket = await bucketContents(s3);
    const seen = new Set<string>();
    for (const [name, kind] of [
      ...bucket.objects.map((n) => [n, 'object'] as const),
      ...bucket.uploads.map((n) => [n, 'multipart upload'] as const),
    ]) {
      const tail = kind === 'object' && name.endsWith('.tail');
      const key = tail ? name.slice(0, -'.tail'.length) : name;
      const row = byKey.get(key);
      const what = `${name} (${kind})`;
      if (!row) report.bucketWithoutRow.push(what);
      else if (row.driver !== 's3') report.strayParts.push(`${what} of a ${row.driver} object`);
      else if (row.blob_parts !== null && (tail || kind === 'multipart upload')) {
        report.strayParts.push(`${what} of a blob`);
      } else if (kind === 'multipart upload' && seen.has(key)) {
        report.strayParts.push(`${what}: a second one`);
      }
      if (kind === 'multipart upload') seen.add(key);
    }
  }
  return report;
}

/** Counts of the rows that make up layers, for before/after comparisons. */
export async function storageCounts(
  pg: Client,
): Promise<{ uploads: number; blobs: number; storageObjects: number; layers: number }> {
  const { rows } = await pg.query<{
    uploads: string;
    blobs: string;
    storage_objects: string;
    layers: string;
  }>(
    `SELECT (SELECT count(*) FROM uploads) AS uploads, (SELECT count(*) FROM blobs) AS blobs,
            (SELECT count(*) FROM storage_objects) AS storage_objects,
            (SELECT count(*) FROM layers) AS layers`,
  );
  return {
    uploads: Number(rows[0].uploads),
    blobs: Number(rows[0].blobs),
    storageObjects: Number(rows[0].storage_objects),
    layers: Number(rows[0].layers),
  };
}
