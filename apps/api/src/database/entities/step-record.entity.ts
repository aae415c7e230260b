import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-transformers.js';

/** One training step; the numbers live in `record` (StepRecord proto3 JSON) so new fields are additive. */
@Entity({ name: 'step_records' })
export class StepRecordEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @PrimaryColumn({ type: 'bigint', transformer: bigintAsNumber })
  step!: number;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'create_time', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createTime!: Date;

  @Column({ type: 'jsonb' })
  record!: unknown;

  /** Write order across all records (record_revision_seq): live streams follow it. */
  @Column({ type: 'bigint', transformer: bigintAsNumber, default: () => "nextval('record_revision_seq')" })
  revision!: number;
}
