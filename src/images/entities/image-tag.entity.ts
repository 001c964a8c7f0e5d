import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import {
  IMAGE_TAGS_IMAGE_ID_FKEY,
  IMAGE_TAGS_REPOSITORY_ID_FKEY,
} from '../../database/constraints';
import { RepositoryEntity } from '../../repositories/entities/repository.entity';
import { ImageEntity } from './image.entity';

/** A tag of a repository, naming exactly one image. */
@Entity({ name: 'image_tags' })
export class ImageTagEntity {
  @PrimaryColumn({ name: 'repository_id', type: 'bigint' })
  @ForeignKey(() => RepositoryEntity, { name: IMAGE_TAGS_REPOSITORY_ID_FKEY, onDelete: 'CASCADE' })
  repositoryId!: string;

  @PrimaryColumn({ type: 'varchar', length: 300 })
  tag!: string;

  @Column({ name: 'image_id', type: 'bigint' })
  @Index('image_tags_image_idx')
  @ForeignKey(() => ImageEntity, { name: IMAGE_TAGS_IMAGE_ID_FKEY, onDelete: 'CASCADE' })
  imageId!: string;

  @Column({ name: 'tagged_at', type: 'timestamptz', default: () => 'now()' })
  taggedAt!: Date;
}
