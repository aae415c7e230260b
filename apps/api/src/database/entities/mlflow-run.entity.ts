import { Column, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from './column-transformers.js';

/** How far a tracked job has been sent to its MLflow run, and which replica syncs it (migration 0006). */
@Entity({ name: 'mlflow_runs' })
export class MlflowRunEntity {
  @PrimaryColumn({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @Column({ name: 'tracking_uri', type: 'text' })
  trackingUri!: string;

  @Column({ name: 'experiment_id', type: 'text', nullable: true })
  experimentId!: string | null;

  @Column({ name: 'run_id', type: 'text', nullable: true })
  runId!: string | null;

  @Column({ name: 'params_logged', type: 'boolean', default: false })
  paramsLogged!: boolean;

  @Column({ name: 'step_revision', type: 'bigint', transformer: bigintAsNumber, default: 0 })
  stepRevision!: number;

  @Column({ name: 'eval_revision', type: 'bigint', transformer: bigintAsNumber, default: 0 })
  evalRevision!: number;

  @Column({ name: 'event_sequence', type: 'bigint', transformer: bigintAsNumber, default: 0 })
  eventSequence!: number;

  /** FINISHED, FAILED or KILLED once the run ended; null while it runs. */
  @Column({ name: 'run_status', type: 'text', nullable: true })
  runStatus!: string | null;

  @Column({ name: 'model_version', type: 'text', nullable: true })
  modelVersion!: string | null;

  @Column({ type: 'boolean', default: false })
  done!: boolean;

  @Column({ type: 'integer', default: 0 })
  failures!: number;

  @Column({ name: 'outage_since', type: 'timestamptz', nullable: true })
  outageSince!: Date | null;

  @Column({ name: 'next_attempt_time', type: 'timestamptz', default: () => 'now()' })
  nextAttemptTime!: Date;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'claim_token', type: 'uuid', nullable: true })
  claimToken!: string | null;

  @Column({ name: 'claim_expire_time', type: 'timestamptz', nullable: true })
  claimExpireTime!: Date | null;

  @Column({ name: 'update_time', type: 'timestamptz', default: () => 'now()' })
  updateTime!: Date;
}
