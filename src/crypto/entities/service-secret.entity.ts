import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A secret the service generates once and every instance shares, sealed under the master key. */
@Entity({ name: 'service_secrets' })
export class ServiceSecretEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Column({ type: 'bytea' })
  value!: Buffer;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
