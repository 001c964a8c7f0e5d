import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';
import {
  IMAGES_REPOSITORY_DIGEST_KEY,
  IMAGES_REPOSITORY_ID_FKEY,
} from '../../database/constraints';
import { RepositoryEntity } from '../../repositories/entities/repository.entity';

/** An image of a repository: its manifest exactly as pushed, identified by the bytes' digest. */
@Entity({ name: 'images' })
@Unique(IMAGES_REPOSITORY_DIGEST_KEY, ['repositoryId', 'digest'])
@Index('images_subject_idx', ['repositoryId', 'subjectDigest'], {
  where: 'subject_digest IS NOT NULL',
})
// On an expression (the SHA-512 of the manifest bytes), which entities cannot describe: the
// migration creates it and the schema sync leaves it alone.
@Index('images_manifest_sha512_idx', { synchronize: false })
export class ImageEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'repository_id', type: 'bigint' })
  @ForeignKey(() => RepositoryEntity, { name: IMAGES_REPOSITORY_ID_FKEY, onDelete: 'CASCADE' })
  repositoryId!: string;

  @Column({ type: 'varchar', length: 200 })
  digest!: string;

  @Column({ type: 'bytea' })
  manifest!: Buffer;

  @Column({ name: 'media_type', type: 'varchar', length: 255 })
  mediaType!: string;

  @Column({ name: 'artifact_media_type', type: 'varchar', length: 255, nullable: true })
  artifactMediaType!: string | null;

  /** The digest of the manifest this one refers to (`subject`), for the referrers API. */
  @Column({ name: 'subject_digest', type: 'varchar', length: 200, nullable: true })
  subjectDigest!: string | null;

  @Column({ type: 'bigint', default: 0 })
  size!: string;

  @Column({ name: 'pushed_at', type: 'timestamptz', default: () => 'now()' })
  pushedAt!: Date;

  @Column({ name: 'last_pulled_at', type: 'timestamptz', nullable: true })
  lastPulledAt!: Date | null;
}
