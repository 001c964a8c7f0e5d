import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import {
  ACCESS_KEYS_ACCESS_KEY_ID_CHECK,
  ACCESS_KEYS_ACCOUNT_ID_FKEY,
  ACCESS_KEYS_STATUS_CHECK,
} from '../../database/constraints';
import { AccountEntity } from './account.entity';

export const ACCESS_KEY_STATUSES = ['Active', 'Inactive'] as const;
export type AccessKeyStatus = (typeof ACCESS_KEY_STATUSES)[number];

/** An access key of an account. The secret is only ever stored sealed under the master key. */
@Entity({ name: 'access_keys' })
@Check(ACCESS_KEYS_ACCESS_KEY_ID_CHECK, `access_key_id ~ '^[A-Z0-9]{16,128}$'`)
@Check(ACCESS_KEYS_STATUS_CHECK, `status IN ('Active', 'Inactive')`)
export class AccessKeyEntity {
  @PrimaryColumn({ name: 'access_key_id', type: 'varchar', length: 128 })
  accessKeyId!: string;

  @Column({ name: 'account_id', type: 'char', length: 12 })
  @Index('access_keys_account_idx')
  @ForeignKey(() => AccountEntity, { name: ACCESS_KEYS_ACCOUNT_ID_FKEY, onDelete: 'CASCADE' })
  accountId!: string;

  @Column({ name: 'secret_ciphertext', type: 'bytea' })
  secretCiphertext!: Buffer;

  @Column({ type: 'varchar', length: 8, default: 'Active' })
  status!: AccessKeyStatus;

  @Column({ type: 'varchar', length: 256, nullable: true })
  description!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  /** How many times the key was deactivated: what its tokens and download URLs are bound to. */
  @Column({ type: 'integer', default: 0 })
  deactivations!: number;
}
