import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  ForeignKey,
  PrimaryGeneratedColumn,
  Unique,
} from 'typeorm';
import { AccountEntity } from '../../auth/entities/account.entity';
import {
  REPOSITORIES_NAME_CHECK,
  REPOSITORIES_REGISTRY_ACCOUNT_FKEY,
  REPOSITORIES_REGISTRY_ID_CHECK,
  REPOSITORIES_REGISTRY_NAME_KEY,
} from '../../database/constraints';
import type { TagMutabilityExclusionFilter } from '../tag-mutability';

export interface RepositoryTag {
  Key: string;
  Value: string;
}

@Entity({ name: 'repositories' })
@Unique(REPOSITORIES_REGISTRY_NAME_KEY, ['registryId', 'name'])
@Check(REPOSITORIES_REGISTRY_ID_CHECK, `registry_id ~ '^[0-9]{12}$'`)
@Check(REPOSITORIES_NAME_CHECK, 'char_length(name) >= 2')
export class RepositoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'registry_id', type: 'char', length: 12 })
  @ForeignKey(() => AccountEntity, { name: REPOSITORIES_REGISTRY_ACCOUNT_FKEY })
  registryId!: string;

  @Column({ type: 'varchar', length: 256 })
  name!: string;

  @Column({ name: 'image_tag_mutability', type: 'varchar', length: 32, default: 'MUTABLE' })
  imageTagMutability!: string;

  @Column({ name: 'image_tag_mutability_exclusion_filters', type: 'jsonb', default: () => "'[]'" })
  imageTagMutabilityExclusionFilters!: TagMutabilityExclusionFilter[];

  @Column({ name: 'scan_on_push', type: 'boolean', default: false })
  scanOnPush!: boolean;

  @Column({ name: 'encryption_type', type: 'varchar', length: 16, default: 'AES256' })
  encryptionType!: string;

  @Column({ name: 'kms_key', type: 'varchar', length: 2048, nullable: true })
  kmsKey!: string | null;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  tags!: RepositoryTag[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
