import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Bytes of the postgres driver, in rows of at most 1 MiB. */
@Entity({ name: 'blob_chunks' })
export class BlobChunkEntity {
  @PrimaryColumn({ name: 'storage_key', type: 'uuid' })
  storageKey!: string;

  @PrimaryColumn({ name: 'part_no', type: 'integer' })
  partNo!: number;

  @PrimaryColumn({ name: 'chunk_no', type: 'integer' })
  chunkNo!: number;

  @Column({ type: 'bytea' })
  data!: Buffer;
}
