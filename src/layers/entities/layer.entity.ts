import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/** A layer of one repository; its bytes are the blob of the same digest. */
@Entity({ name: 'layers' })
@Unique('layers_repository_digest_key', ['repositoryId', 'digest'])
export class LayerEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'repository_id', type: 'bigint' })
  repositoryId!: string;

  @Column({ type: 'varchar', length: 200 })
  digest!: string;

  @Column({ type: 'bigint' })
  size!: string;

  @Column({ name: 'media_type', type: 'varchar', length: 255 })
  mediaType!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
