import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { IMAGE_LAYERS_IMAGE_ID_FKEY } from '../../database/constraints';
import { ImageEntity } from './image.entity';

/** A blob (config or layer) an image manifest references: what may be downloaded through it. */
@Entity({ name: 'image_layers' })
// "Does repository R still reference digest D" is one probe of this index (garbage collection).
@Index('image_layers_repository_digest_idx', ['repositoryId', 'digest'])
export class ImageLayerEntity {
  @PrimaryColumn({ name: 'image_id', type: 'bigint' })
  @ForeignKey(() => ImageEntity, { name: IMAGE_LAYERS_IMAGE_ID_FKEY, onDelete: 'CASCADE' })
  imageId!: string;

  /** The image's repository, filled by a trigger from the image on insert. */
  @Column({ name: 'repository_id', type: 'bigint' })
  repositoryId!: string;

  @PrimaryColumn({ type: 'varchar', length: 200 })
  @Index('image_layers_digest_idx')
  digest!: string;

  /** The media type the manifest gives the blob (null when it gave none Berth could keep). */
  @Column({ name: 'media_type', type: 'varchar', length: 255, nullable: true })
  mediaType!: string | null;
}
