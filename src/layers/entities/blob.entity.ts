import { Check, Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { BLOBS_SIZE_CHECK, BLOBS_STORAGE_KEY_FKEY } from '../../database/constraints';
import { StorageObjectEntity } from '../../storage/entities/storage-object.entity';

/** Content-addressed layer bytes, stored once for every repository that has the layer. */
@Entity({ name: 'blobs' })
@Check(BLOBS_SIZE_CHECK, 'size >= 0')
export class BlobEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  digest!: string;

  @Column({ type: 'bigint' })
  size!: string;

  @Column({ name: 'storage_key', type: 'uuid', unique: true })
  @ForeignKey(() => StorageObjectEntity, { name: BLOBS_STORAGE_KEY_FKEY })
  storageKey!: string;

  @Column({ name: 'part_sizes', type: 'bigint', array: true })
  partSizes!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
