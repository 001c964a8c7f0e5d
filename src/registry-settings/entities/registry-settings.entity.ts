import { Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { AccountEntity } from '../../auth/entities/account.entity';
import {
  ACCOUNT_SETTINGS_REGISTRY_ID_FKEY,
  PULL_TIME_UPDATE_EXCLUSIONS_REGISTRY_ID_FKEY,
  REGISTRY_SETTINGS_REGISTRY_ID_FKEY,
} from '../../database/constraints';

/** A registry's configurations and policy; also the row its exclusion changes lock. */
@Entity({ name: 'registry_settings' })
export class RegistrySettingsEntity {
  @PrimaryColumn({ name: 'registry_id', type: 'char', length: 12 })
  @ForeignKey(() => AccountEntity, {
    name: REGISTRY_SETTINGS_REGISTRY_ID_FKEY,
    onDelete: 'CASCADE',
  })
  registryId!: string;

  @Column({ name: 'replication_configuration', type: 'jsonb', nullable: true })
  replicationConfiguration!: unknown;

  @Column({ name: 'scanning_configuration', type: 'jsonb', nullable: true })
  scanningConfiguration!: unknown;

  @Column({ name: 'signing_configuration', type: 'jsonb', nullable: true })
  signingConfiguration!: unknown;

  @Column({ name: 'registry_policy', type: 'text', nullable: true })
  registryPolicy!: string | null;
}

/** An account setting that was put (an absent one has its default). */
@Entity({ name: 'account_settings' })
export class AccountSettingEntity {
  @PrimaryColumn({ name: 'registry_id', type: 'char', length: 12 })
  @ForeignKey(() => AccountEntity, {
    name: ACCOUNT_SETTINGS_REGISTRY_ID_FKEY,
    onDelete: 'CASCADE',
  })
  registryId!: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'varchar', length: 64 })
  value!: string;
}

/** A principal whose pulls do not update `lastRecordedPullTime`. */
@Entity({ name: 'pull_time_update_exclusions' })
export class PullTimeUpdateExclusionEntity {
  @PrimaryColumn({ name: 'registry_id', type: 'char', length: 12 })
  @ForeignKey(() => AccountEntity, {
    name: PULL_TIME_UPDATE_EXCLUSIONS_REGISTRY_ID_FKEY,
    onDelete: 'CASCADE',
  })
  registryId!: string;

  @PrimaryColumn({ name: 'principal_arn', type: 'varchar', length: 200 })
  principalArn!: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
