import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { MASTER_KEY_CHECK_SINGLETON_CHECK } from '../../database/constraints';

/** One row: the check value of the master key the database's secrets are sealed with. */
@Entity({ name: 'master_key_check' })
@Check(MASTER_KEY_CHECK_SINGLETON_CHECK, 'singleton')
export class MasterKeyCheckEntity {
  @PrimaryColumn({ type: 'boolean', default: true })
  singleton!: boolean;

  @Column({ name: 'check_value', type: 'bytea' })
  checkValue!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
