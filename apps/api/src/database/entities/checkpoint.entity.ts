import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-transformers.js';

@Entity({ name: 'checkpoints' })
@Index('ux_checkpoints_job_step', ['jobId', 'step'], { unique: true })
export class CheckpointEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @Column({ type: 'bigint', transformer: bigintAsNumber })
  step!: number;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'create_time', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createTime!: Date;

  @Column({ type: 'text' })
  uri!: string;

  @Column({ type: 'double precision' })
  entropy!: number;

  @Column({ name: 'in_band', type: 'boolean' })
  inBand!: boolean;

  @Column({ name: 'reward_mean', type: 'double precision' })
  rewardMean!: number;

  @Column({ name: 'validation_accuracy', type: 'double precision', nullable: true })
  validationAccuracy!: number | null;

  @Column({ name: 'size_bytes', type: 'bigint', transformer: bigintAsNumber, default: 0 })
  sizeBytes!: number;

  /** Set when keep_last pruning removed the files; such checkpoints are not listed. */
  @Column({ name: 'delete_time', type: 'timestamptz', nullable: true })
  deleteTime!: Date | null;
}
