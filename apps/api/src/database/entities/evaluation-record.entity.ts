import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-transformers.js';

/** One validation run; the numbers live in `record` (EvaluationRecord proto3 JSON) so new fields are additive. */
@Entity({ name: 'evaluation_records' })
export class EvaluationRecordEntity {
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
