import { Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { AccountEntity } from '../../auth/entities/account.entity';
import {
  REPOSITORY_CREATION_TEMPLATES_PKEY,
  REPOSITORY_CREATION_TEMPLATES_REGISTRY_FKEY,
} from '../../database/constraints';

/** A repository creation template of a registry, keyed by its prefix. */
@Entity({ name: 'repository_creation_templates' })
export class RepositoryCreationTemplateEntity {
  @PrimaryColumn({
    name: 'registry_id',
    type: 'char',
    length: 12,
    primaryKeyConstraintName: REPOSITORY_CREATION_TEMPLATES_PKEY,
  })
  @ForeignKey(() => AccountEntity, {
    name: REPOSITORY_CREATION_TEMPLATES_REGISTRY_FKEY,
    onDelete: 'CASCADE',
  })
  registryId!: string;

  @PrimaryColumn({
    type: 'varchar',
    length: 256,
    primaryKeyConstraintName: REPOSITORY_CREATION_TEMPLATES_PKEY,
  })
  prefix!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'applied_for', type: 'jsonb' })
  appliedFor!: string[];

  @Column({ name: 'encryption_type', type: 'varchar', length: 16, nullable: true })
  encryptionType!: string | null;

  @Column({ name: 'kms_key', type: 'text', nullable: true })
  kmsKey!: string | null;

  @Column({ name: 'resource_tags', type: 'jsonb', default: () => "'[]'" })
  resourceTags!: { Key: string; Value: string }[];

  @Column({ name: 'image_tag_mutability', type: 'varchar', length: 32, default: 'MUTABLE' })
  imageTagMutability!: string;

  @Column({
    name: 'image_tag_mutability_exclusion_filters',
    type: 'jsonb',
    default: () => "'[]'",
  })
  imageTagMutabilityExclusionFilters!: { filterType: 'WILDCARD'; filter: string }[];

  @Column({ name: 'repository_policy', type: 'text', nullable: true })
  repositoryPolicy!: string | null;

  @Column({ name: 'lifecycle_policy', type: 'text', nullable: true })
  lifecyclePolicy!: string | null;

  @Column({ name: 'custom_role_arn', type: 'text', nullable: true })
  customRoleArn!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
