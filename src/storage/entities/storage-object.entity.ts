import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A place holding bytes, referenced by an upload while it runs and by a blob after it. */
@Entity({ name: 'storage_objects' })
export class StorageObjectEntity {
  @PrimaryColumn({ type: 'uuid' })
  key!: string;

  @Column({ type: 'varchar', length: 16 })
  driver!: 'filesystem' | 'postgres';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
