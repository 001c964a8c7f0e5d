import { Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { IMAGE_LAYERS_IMAGE_ID_FKEY } from '../../database/constraints';
import { ImageEntity } from './image.entity';

/** A blob (config or layer) an image manifest references: what may be downloaded through it. */
@Entity({ name: 'image_layers' })
export class ImageLayerEntity {
  @PrimaryColumn({ name: 'image_id', type: 'bigint' })
  @ForeignKey(() => ImageEntity, { name: IMAGE_LAYERS_IMAGE_ID_FKEY, onDelete: 'CASCADE' })
  imageId!: string;

  @PrimaryColumn({ type: 'varchar', length: 200 })
  @Index('image_layers_digest_idx')
  digest!: string;
}
