import {
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  Index,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import {
  LAYERS_DIGEST_FKEY,
  LAYERS_REPOSITORY_DIGEST_KEY,
  LAYERS_REPOSITORY_ID_FKEY,
} from '../../database/constraints';
import { RepositoryEntity } from '../../repositories/entities/repository.entity';
import { BlobEntity } from './blob.entity';

/** A layer of one repository; its bytes are the blob of the same digest. */
@Entity({ name: 'layers' })
@Unique(LAYERS_REPOSITORY_DIGEST_KEY, ['repositoryId', 'digest'])
export class LayerEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'repository_id', type: 'bigint' })
  @ForeignKey(() => RepositoryEntity, { name: LAYERS_REPOSITORY_ID_FKEY, onDelete: 'CASCADE' })
  repositoryId!: string;

  @Column({ type: 'varchar', length: 200 })
  @Index('layers_digest_idx')
  @ForeignKey(() => BlobEntity, { name: LAYERS_DIGEST_FKEY })
  digest!: string;

  @Column({ type: 'bigint' })
  size!: string;

  @Column({ name: 'media_type', type: 'varchar', length: 255 })
  mediaType!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
