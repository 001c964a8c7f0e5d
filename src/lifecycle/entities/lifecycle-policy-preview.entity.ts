import { Check, Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import {
  LIFECYCLE_POLICY_PREVIEWS_REPOSITORY_ID_FKEY,
  LIFECYCLE_POLICY_PREVIEWS_STATUS_CHECK,
} from '../../database/constraints';
import { RepositoryEntity } from '../../repositories/entities/repository.entity';

/** The latest lifecycle policy preview of a repository, with what it would expire. */
@Entity({ name: 'lifecycle_policy_previews' })
@Check(
  LIFECYCLE_POLICY_PREVIEWS_STATUS_CHECK,
  `status IN ('IN_PROGRESS', 'COMPLETE', 'EXPIRED', 'FAILED')`,
)
export class LifecyclePolicyPreviewEntity {
  @PrimaryColumn({ name: 'repository_id', type: 'bigint' })
  @ForeignKey(() => RepositoryEntity, {
    name: LIFECYCLE_POLICY_PREVIEWS_REPOSITORY_ID_FKEY,
    onDelete: 'CASCADE',
  })
  repositoryId!: string;

  @Column({ name: 'policy_text', type: 'text' })
  policyText!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: string;

  @Column({ type: 'jsonb', default: () => `'[]'` })
  results!: unknown;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
