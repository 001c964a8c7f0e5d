import { Check, Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import {
  GC_RECONCILIATION_SINGLETON_CHECK,
  GC_RECONCILIATION_STAGE_CHECK,
} from '../../database/constraints';

/**
 * A layer to examine: added, or one of its repository's image references went. Written by
 * triggers (migrations/1765400000000-GcReviewQueues.ts); due once `since` (the layer's
 * `created_at`) is older than LAYER_GRACE.
 */
@Entity({ name: 'gc_layer_reviews' })
@Index('gc_layer_reviews_since_idx', ['since', 'id'])
export class GcLayerReviewEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'layer_id', type: 'bigint' })
  @Index('gc_layer_reviews_layer_idx')
  layerId!: string;

  @Column({ type: 'timestamptz' })
  since!: Date;
}

/** A blob to examine: one of its layers or its upload went. Written by triggers. */
@Entity({ name: 'gc_blob_reviews' })
export class GcBlobReviewEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  @Index('gc_blob_reviews_digest_idx')
  digest!: string;
}

/** A storage object to examine: its upload or its blob went. Written by triggers. */
@Entity({ name: 'gc_storage_reviews' })
export class GcStorageReviewEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'uuid' })
  @Index('gc_storage_reviews_key_idx')
  key!: string;
}

/** One row: where the reconciliation pass is, and when the next one is due. */
@Entity({ name: 'gc_reconciliation' })
@Check(GC_RECONCILIATION_SINGLETON_CHECK, 'singleton')
@Check(GC_RECONCILIATION_STAGE_CHECK, `stage IN ('layers', 'blobs', 'storage')`)
export class GcReconciliationEntity {
  @PrimaryColumn({ type: 'boolean', default: true })
  singleton!: boolean;

  @Column({ type: 'varchar', length: 16, nullable: true })
  stage!: 'layers' | 'blobs' | 'storage' | null;

  @Column({ type: 'text', nullable: true })
  position!: string | null;

  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  @Column({ name: 'started_at', type: 'timestamptz', nullable: true })
  startedAt!: Date | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
