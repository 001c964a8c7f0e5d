import { Readable } from 'node:stream';
import type { DataSource, EntityManager } from 'typeorm';
import { BlobStore } from './blob-store';

/** Rows of 1 MiB insert faster than one row per 10–20 MiB part, and read back in small steps. */
export const CHUNK_BYTES = 1024 * 1024;
const ROWS_PER_INSERT = 4;

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
    // A few rows per statement: fewer round trips than one row each, while the message pg builds
    // for a statement (a copy of its parameters) stays at ROWS_PER_INSERT MiB, not a whole part,
    // which bounds the memory of many parts in flight. Parameters travel in binary.
    for (let first = 0; first * CHUNK_BYTES < data.length; first += ROWS_PER_INSERT) {
      const values: string[] = [];
      const params: unknown[] = [key, partNo];
      for (let chunkNo = first; chunkNo < first + ROWS_PER_INSERT; chunkNo++) {
        const offset = chunkNo * CHUNK_BYTES;
        if (offset >= data.length) break;
        params.push(chunkNo, data.subarray(offset, Math.min(offset + CHUNK_BYTES, data.length)));
        values.push(`($1, $2, $${params.length - 1}, $${params.length})`);
      }
      await manager.query(
        `INSERT INTO blob_chunks (storage_key, part_no, chunk_no, data) VALUES ${values.join(', ')}`,
        params,
      );
    }
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
