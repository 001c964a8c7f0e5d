import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export interface RepositoryTag {
  Key: string;
  Value: string;
}

@Entity({ name: 'repositories' })
@Unique('repositories_registry_name_key', ['registryId', 'name'])
export class RepositoryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'registry_id', type: 'char', length: 12 })
  registryId!: string;

  @Column({ type: 'varchar', length: 256 })
  name!: string;

  @Column({ name: 'image_tag_mutability', type: 'varchar', length: 32, default: 'MUTABLE' })
  imageTagMutability!: string;

  @Column({ name: 'scan_on_push', type: 'boolean', default: false })
  scanOnPush!: boolean;

  @Column({ name: 'encryption_type', type: 'varchar', length: 16, default: 'AES256' })
  encryptionType!: string;

  @Column({ name: 'kms_key', type: 'varchar', length: 2048, nullable: true })
  kmsKey!: string | null;

  @Column({ type: 'jsonb', default: () => "'[]'::jsonb" })
  tags!: RepositoryTag[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
