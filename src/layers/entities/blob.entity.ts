import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Content-addressed layer bytes, stored once for every repository that has the layer. */
@Entity({ name: 'blobs' })
export class BlobEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  digest!: string;

  @Column({ type: 'bigint' })
  size!: string;

  @Column({ name: 'storage_key', type: 'uuid', unique: true })
  storageKey!: string;

  @Column({ name: 'part_sizes', type: 'bigint', array: true })
  partSizes!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
