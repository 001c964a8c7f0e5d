import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** An upload in progress: where its bytes go, how many arrived, and the hash state so far. */
@Entity({ name: 'uploads' })
export class UploadEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'repository_id', type: 'bigint' })
  repositoryId!: string;

  @Column({ name: 'storage_key', type: 'uuid', unique: true })
  storageKey!: string;

  @Column({ name: 'bytes_received', type: 'bigint', default: 0 })
  bytesReceived!: string;

  @Column({ name: 'part_sizes', type: 'bigint', array: true, default: () => "'{}'" })
  partSizes!: string[];

  @Column({ name: 'hash_state', type: 'bytea', nullable: true })
  hashState!: Buffer | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
