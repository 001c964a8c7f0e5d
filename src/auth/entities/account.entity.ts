import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { ACCOUNTS_ID_CHECK } from '../../database/constraints';

/** An account. Its id is the id of its registry: everything it owns carries it as registryId. */
@Entity({ name: 'accounts' })
@Check(ACCOUNTS_ID_CHECK, `id ~ '^[0-9]{12}$'`)
export class AccountEntity {
  @PrimaryColumn({ type: 'char', length: 12 })
  id!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  name!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
