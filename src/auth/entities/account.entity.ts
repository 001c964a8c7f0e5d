import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An account. Its id is the id of its registry: everything it owns carries it as registryId. */
@Entity({ name: 'accounts' })
export class AccountEntity {
  @PrimaryColumn({ type: 'char', length: 12 })
  id!: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  name!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
