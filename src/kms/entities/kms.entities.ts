import { Column, CreateDateColumn, Entity, ForeignKey, PrimaryColumn } from 'typeorm';
import { AccountEntity } from '../../auth/entities/account.entity';
import {
  KMS_ALIASES_ACCOUNT_ID_FKEY,
  KMS_ALIASES_KEY_ID_FKEY,
  KMS_ALIASES_PKEY,
  KMS_KEY_MATERIALS_KEY_ID_FKEY,
  KMS_KEY_MATERIALS_PKEY,
  KMS_KEYS_ACCOUNT_ID_FKEY,
  KMS_KEYS_PKEY,
} from '../../database/constraints';

/** A key of the built-in key service (migrations/1765500000000-KmsKeys.ts). */
@Entity({ name: 'kms_keys' })
export class KmsKeyEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: KMS_KEYS_PKEY })
  id!: string;

  @Column({ name: 'account_id', type: 'char', length: 12 })
  @ForeignKey(() => AccountEntity, { name: KMS_KEYS_ACCOUNT_ID_FKEY, onDelete: 'CASCADE' })
  accountId!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ name: 'key_manager', type: 'varchar', length: 16 })
  keyManager!: string;

  @Column({ name: 'key_state', type: 'varchar', length: 32 })
  keyState!: string;

  @Column({ name: 'deletion_date', type: 'timestamptz', nullable: true })
  deletionDate!: Date | null;

  @Column({ name: 'rotation_enabled', type: 'boolean', default: false })
  rotationEnabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** One version of a key's material, sealed under the master key. */
@Entity({ name: 'kms_key_materials' })
export class KmsKeyMaterialEntity {
  @PrimaryColumn({ name: 'key_id', type: 'uuid', primaryKeyConstraintName: KMS_KEY_MATERIALS_PKEY })
  @ForeignKey(() => KmsKeyEntity, { name: KMS_KEY_MATERIALS_KEY_ID_FKEY, onDelete: 'CASCADE' })
  keyId!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: KMS_KEY_MATERIALS_PKEY })
  version!: number;

  @Column({ type: 'bytea' })
  material!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** An alias of an account, naming one of its keys. */
@Entity({ name: 'kms_aliases' })
export class KmsAliasEntity {
  @PrimaryColumn({
    name: 'account_id',
    type: 'char',
    length: 12,
    primaryKeyConstraintName: KMS_ALIASES_PKEY,
  })
  @ForeignKey(() => AccountEntity, { name: KMS_ALIASES_ACCOUNT_ID_FKEY, onDelete: 'CASCADE' })
  accountId!: string;

  @PrimaryColumn({ type: 'varchar', length: 256, primaryKeyConstraintName: KMS_ALIASES_PKEY })
  name!: string;

  @Column({ name: 'key_id', type: 'uuid' })
  @ForeignKey(() => KmsKeyEntity, { name: KMS_ALIASES_KEY_ID_FKEY, onDelete: 'CASCADE' })
  keyId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_updated_at', type: 'timestamptz', default: () => 'now()' })
  lastUpdatedAt!: Date;
}
