import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-transformers.js';
import { ProjectEntity } from './project.entity.js';

/** Job states as stored (the proto enum without its JOB_STATE_ prefix). */
export type JobStateName = 'QUEUED' | 'RUNNING' | 'PAUSED' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

@Entity({ name: 'jobs' })
@Index('ix_jobs_project_time', ['projectId', 'createTime', 'id'])
export class JobEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @ManyToOne(() => ProjectEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'project_id' })
  project?: ProjectEntity;

  @Column({ name: 'display_name', type: 'text', default: '' })
  displayName!: string;

  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  /** SHA-256 of the canonical CreateJobRequest that carried request_id (null before migration 0002). */
  @Column({ name: 'request_hash', type: 'text', nullable: true })
  requestHash!: string | null;

  /** JobSpec in proto3 JSON form, every default filled in. */
  @Column({ type: 'jsonb' })
  spec!: unknown;

  @Column({ type: 'jsonb', default: {} })
  labels!: Record<string, string>;

  @Column({ name: 'base_model', type: 'text' })
  baseModel!: string;

  @Column({ name: 'training_dataset_id', type: 'uuid' })
  trainingDatasetId!: string;

  @Column({ name: 'validation_dataset_id', type: 'uuid', nullable: true })
  validationDatasetId!: string | null;

  @Column({ type: 'text' })
  state!: JobStateName;

  @Column({ name: 'create_time', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createTime!: Date;

  @Column({ name: 'start_time', type: 'timestamptz', nullable: true })
  startTime!: Date | null;

  @Column({ name: 'end_time', type: 'timestamptz', nullable: true })
  endTime!: Date | null;

  @Column({ name: 'update_time', type: 'timestamptz', default: () => 'now()' })
  updateTime!: Date;

  /** google.rpc.Status as { code, message }. */
  @Column({ type: 'jsonb', nullable: true })
  error!: { code: number; message: string } | null;

  @Column({ type: 'integer', default: 0 })
  attempt!: number;

  @Column({ name: 'lease_expirations', type: 'integer', default: 0 })
  leaseExpirations!: number;

  @Column({ name: 'exported_model_uri', type: 'text', nullable: true })
  exportedModelUri!: string | null;

  @Column({ name: 'leased_by', type: 'text', nullable: true })
  leasedBy!: string | null;

  @Column({ name: 'lease_expire_time', type: 'timestamptz', nullable: true })
  leaseExpireTime!: Date | null;

  @Column({ name: 'current_step', type: 'bigint', transformer: bigintAsNumber, default: 0 })
  currentStep!: number;

  /** Latest StepRecord in proto3 JSON form. */
  @Column({ name: 'latest_step', type: 'jsonb', nullable: true })
  latestStep!: unknown;

  @Column({ name: 'cancel_requested', type: 'boolean', default: false })
  cancelRequested!: boolean;

  @Column({ name: 'pause_requested', type: 'boolean', default: false })
  pauseRequested!: boolean;

  /** Current EntropyTarget in proto3 JSON form (the spec's, until an UpdateJob changes it). */
  @Column({ name: 'entropy_target', type: 'jsonb', nullable: true })
  entropyTarget!: unknown;

  @Column({ name: 'entropy_target_revision', type: 'bigint', transformer: bigintAsNumber, default: 0 })
  entropyTargetRevision!: number;

  @Column({ name: 'best_checkpoint_id', type: 'uuid', nullable: true })
  bestCheckpointId!: string | null;

  /** Step of the best checkpoint: its resource name is `projects/{p}/jobs/{j}/checkpoints/{step}`. */
  @Column({ name: 'best_checkpoint_step', type: 'bigint', transformer: bigintAsNumber, nullable: true })
  bestCheckpointStep!: number | null;

  /** Last event sequence number (events are numbered per job, without gaps). */
  @Column({ name: 'event_seq', type: 'bigint', transformer: bigintAsNumber, default: 0 })
  eventSeq!: number;

  @Column({ name: 'target_unreachable', type: 'boolean', default: false })
  targetUnreachable!: boolean;
}
