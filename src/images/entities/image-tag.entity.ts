import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A tag of a repository, naming exactly one image. */
@Entity({ name: 'image_tags' })
export class ImageTagEntity {
  @PrimaryColumn({ name: 'repository_id', type: 'bigint' })
  repositoryId!: string;

  @PrimaryColumn({ type: 'varchar', length: 300 })
  tag!: string;

  @Column({ name: 'image_id', type: 'bigint' })
  imageId!: string;

  @Column({ name: 'tagged_at', type: 'timestamptz', default: () => 'now()' })
  taggedAt!: Date;
}
