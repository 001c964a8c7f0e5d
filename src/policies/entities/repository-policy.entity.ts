import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { REPOSITORY_POLICIES_REPOSITORY_ID_FKEY } from '../../database/constraints';
import { RepositoryEntity } from '../../repositories/entities/repository.entity';

/** A repository's policy, its text exactly as it was set; it goes with its repository. */
@Entity({ name: 'repository_policies' })
export class RepositoryPolicyEntity {
  @PrimaryColumn({ name: 'repository_id', type: 'bigint' })
  @ForeignKey(() => RepositoryEntity, {
    name: REPOSITORY_POLICIES_REPOSITORY_ID_FKEY,
    onDelete: 'CASCADE',
  })
  repositoryId!: string;

  @Column({ name: 'policy_text', type: 'text' })
  policyText!: string;
}
