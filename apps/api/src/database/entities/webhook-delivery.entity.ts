import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One (event, endpoint) delivery: the outbox and the delivery log at once (migration 0005). */
@Entity({ name: 'webhook_deliveries' })
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'endpoint_id', type: 'uuid' })
  endpointId!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @Column({ name: 'job_id', type: 'uuid' })
  jobId!: string;

  @Column({ name: 'event_type', type: 'text' })
  eventType!: string;

  /** The exact request body, fixed when the event is recorded. */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ type: 'text', default: 'PENDING' })
  state!: 'PENDING' | 'DELIVERED' | 'FAILED';

  @Column({ name: 'attempt_count', type: 'integer', default: 0 })
  attemptCount!: number;

  @Column({ name: 'last_status_code', type: 'integer', default: 0 })
  lastStatusCode!: number;

  @Column({ name: 'last_error', type: 'text', default: '' })
  lastError!: string;

  @Column({ name: 'next_attempt_time', type: 'timestamptz', default: () => 'now()' })
  nextAttemptTime!: Date;

  @Column({ name: 'last_attempt_time', type: 'timestamptz', nullable: true })
  lastAttemptTime!: Date | null;

  @Column({ name: 'delivered_time', type: 'timestamptz', nullable: true })
  deliveredTime!: Date | null;

  /** Start of the current retry budget: the max-age limit counts from it. */
  @Column({ name: 'retry_window_start', type: 'timestamptz', default: () => 'now()' })
  retryWindowStart!: Date;

  /** Set by the replica sending it; its result is stored only while the claim is still its own. */
  @Column({ name: 'claim_id', type: 'uuid', nullable: true })
  claimId!: string | null;

  @Column({ name: 'create_time', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createTime!: Date;
}
