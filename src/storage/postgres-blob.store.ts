import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { DataSource, EntityManager } from 'typeorm';
import { BlobStore } from './blob-store';

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

function uuidBytes(key: string): Buffer {
  const hex = key.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`storage key ${key} is not a uuid`);
  return Buffer.from(hex, 'hex');
}

interface ChunkRow {
  data: Buffer;
}

/**
 * Keeps bytes as `bytea` rows of `blob_chunks`, written in the transaction of the part's
 * metadata: the part and its bookkeeping commit together or not at all, and a deployment needs
 * nothing but PostgreSQL.
 */
export class PostgresBlobStore implements BlobStore {
  readonly driver = 'postgres' as const;

  constructor(private readonly dataSource: DataSource) {}

  async writePart(
    manager: EntityManager,
    key: string,
    partNo: number,
    data: Buffer,
  ): Promise<void> {
    await manager.query('DELETE FROM blob_chunks WHERE storage_key = $1 AND part_no = $2', [
      key,
      partNo,
    ]);
    // COPY in binary format, on the transaction's own connection: the part's bytes go to the
    // socket as they are, where INSERT parameters are first copied into a message that pg
    // grows step by step (fresh memory for every statement). Per 10 MiB part, measured
    // interleaved on one connection: COPY 94 ms (median), INSERTs of one 1 MiB row 113 ms, of
    // four 1 MiB rows 130-175 ms.
    const client = (await manager.queryRunner?.connect()) as PoolClient | undefined;
    if (!client) throw new Error('a part is written inside a transaction');
    const keyBytes = uuidBytes(key);
    function* rows(): Generator<Buffer> {
      yield COPY_HEADER;
      for (let chunkNo = 0; chunkNo * CHUNK_BYTES < data.length; chunkNo++) {
        const chunk = data.subarray(chunkNo * CHUNK_BYTES, (chunkNo + 1) * CHUNK_BYTES);
        yield rowPrefix(keyBytes, partNo, chunkNo, chunk.length);
        yield chunk;
      }
      yield COPY_TRAILER;
    }
    await pipeline(Readable.from(rows()), client.query(copyFrom(COPY_CHUNKS)));
  }

  read(key: string, partSizes: number[], start: number, end: number): Readable {
    const dataSource = this.dataSource;
    async function* chunks(): AsyncGenerator<Buffer> {
      let offset = 0;
      for (let partNo = 0; partNo < partSizes.length && offset <= end; partNo++) {
        const partStart = offset;
        offset += partSizes[partNo];
        if (offset - 1 < start) continue;
        const chunkCount = Math.ceil(partSizes[partNo] / CHUNK_BYTES);
        for (let chunkNo = 0; chunkNo < chunkCount; chunkNo++) {
          const chunkStart = partStart + chunkNo * CHUNK_BYTES;
          const chunkEnd = Math.min(chunkStart + CHUNK_BYTES, offset) - 1;
          if (chunkEnd < start) continue;
          if (chunkStart > end) return;
          const rows = await dataSource.query<ChunkRow[]>(
            'SELECT data FROM blob_chunks WHERE storage_key = $1 AND part_no = $2 AND chunk_no = $3',
            [key, partNo, chunkNo],
          );
          if (rows.length !== 1) throw new Error(`chunk ${partNo}/${chunkNo} of ${key} is missing`);
          const from = Math.max(start, chunkStart) - chunkStart;
          const to = Math.min(end, chunkEnd) - chunkStart + 1;
          yield rows[0].data.subarray(from, to);
        }
      }
    }
    return Readable.from(chunks());
  }

  async remove(manager: EntityManager, key: string): Promise<void> {
    await manager.query('DELETE FROM blob_chunks WHERE storage_key = $1', [key]);
  }
}
