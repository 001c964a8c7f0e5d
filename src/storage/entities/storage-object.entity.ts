import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { STORAGE_OBJECTS_DRIVER_CHECK } from '../../database/constraints';

/** A place holding bytes, referenced by an upload while it runs and by a blob after it. */
@Entity({ name: 'storage_objects' })
@Check(STORAGE_OBJECTS_DRIVER_CHECK, `driver IN ('filesystem', 'postgres', 's3')`)
export class StorageObjectEntity {
  @PrimaryColumn({ type: 'uuid' })
  key!: string;

  @Column({ type: 'varchar', length: 16 })
  driver!: 'filesystem' | 'postgres' | 's3';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
