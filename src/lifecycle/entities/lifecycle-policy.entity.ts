import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { LIFECYCLE_POLICIES_REPOSITORY_ID_FKEY } from '../../database/constraints';
import { RepositoryEntity } from '../../repositories/entities/repository.entity';

/** A repository's lifecycle policy; its row is what an evaluation of the repository locks. */
@Entity({ name: 'lifecycle_policies' })
export class LifecyclePolicyEntity {
  @PrimaryColumn({ name: 'repository_id', type: 'bigint' })
  @ForeignKey(() => RepositoryEntity, {
    name: LIFECYCLE_POLICIES_REPOSITORY_ID_FKEY,
    onDelete: 'CASCADE',
  })
  repositoryId!: string;

  @Column({ name: 'policy_text', type: 'text' })
  policyText!: string;

  @Column({ name: 'last_evaluated_at', type: 'timestamptz', nullable: true })
  lastEvaluatedAt!: Date | null;
}
