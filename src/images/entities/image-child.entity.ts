import { Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { IMAGE_CHILDREN_IMAGE_ID_FKEY } from '../../database/constraints';
import { ImageEntity } from './image.entity';

/** A manifest an image index references, in the same repository. */
@Entity({ name: 'image_children' })
export class ImageChildEntity {
  @PrimaryColumn({ name: 'image_id', type: 'bigint' })
  @ForeignKey(() => ImageEntity, { name: IMAGE_CHILDREN_IMAGE_ID_FKEY, onDelete: 'CASCADE' })
  imageId!: string;

  @PrimaryColumn({ name: 'child_digest', type: 'varchar', length: 200 })
  @Index('image_children_child_idx')
  childDigest!: string;
}
