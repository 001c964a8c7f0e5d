import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
} from 'typeorm';
import {
  UPLOADS_BYTES_RECEIVED_CHECK,
  UPLOADS_REPOSITORY_ID_FKEY,
  UPLOADS_STORAGE_KEY_FKEY,
} from '../../database/constraints';
import { RepositoryEntity } from '../../repositories/entities/repository.entity';
import { StorageObjectEntity } from '../../storage/entities/storage-object.entity';

/** An upload in progress: where its bytes go, how many arrived, and the hash state so far. */
@Entity({ name: 'uploads' })
@Check(UPLOADS_BYTES_RECEIVED_CHECK, 'bytes_received >= 0')
export class UploadEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'repository_id', type: 'bigint' })
  @Index('uploads_repository_idx')
  @ForeignKey(() => RepositoryEntity, { name: UPLOADS_REPOSITORY_ID_FKEY, onDelete: 'CASCADE' })
  repositoryId!: string;

  @Column({ name: 'storage_key', type: 'uuid', unique: true })
  @ForeignKey(() => StorageObjectEntity, { name: UPLOADS_STORAGE_KEY_FKEY })
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
  @Index('uploads_updated_at_idx')
  updatedAt!: Date;
}
