import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-transformers.js';

@Entity({ name: 'job_events' })
export class JobEventEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @PrimaryColumn({ type: 'bigint', transformer: bigintAsNumber })
  sequence!: number;

  @Column({ name: 'create_time', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createTime!: Date;

  /** JobEventType without its prefix, e.g. STATE_CHANGED. */
  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'from_state', type: 'text', nullable: true })
  fromState!: string | null;

  @Column({ name: 'to_state', type: 'text', nullable: true })
  toState!: string | null;

  @Column({ type: 'integer', default: 0 })
  attempt!: number;

  @Column({ type: 'text', default: '' })
  message!: string;

  @Column({ name: 'entropy_target_revision', type: 'bigint', transformer: bigintAsNumber, default: 0 })
  entropyTargetRevision!: number;
}
