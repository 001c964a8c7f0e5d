import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One garbage collection that removed something or that the admin API asked for
 * (migrations/1765460000000-GcRuns.ts); the last 100 are kept.
 */
@Entity({ name: 'gc_runs' })
export class GcRunEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', default: () => 'now()' })
  finishedAt!: Date;

  @Column({ type: 'boolean' })
  requested!: boolean;

  @Column({ type: 'integer' })
  layers!: number;

  @Column({ type: 'integer' })
  blobs!: number;

  @Column({ type: 'bigint' })
  bytes!: string;
}
