import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { BLOB_CHUNKS_STORAGE_KEY_FKEY } from '../../database/constraints';
import { StorageObjectEntity } from './storage-object.entity';

/** Bytes of the postgres driver, in rows of at most 1 MiB (stored EXTERNAL: no TOAST compression). */
@Entity({ name: 'blob_chunks' })
export class BlobChunkEntity {
  @PrimaryColumn({ name: 'storage_key', type: 'uuid' })
  @ForeignKey(() => StorageObjectEntity, {
    name: BLOB_CHUNKS_STORAGE_KEY_FKEY,
    onDelete: 'CASCADE',
  })
  storageKey!: string;

  @PrimaryColumn({ name: 'part_no', type: 'integer' })
  partNo!: number;

  @PrimaryColumn({ name: 'chunk_no', type: 'integer' })
  chunkNo!: number;

  @Column({ type: 'bytea' })
  data!: Buffer;
}
