import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A project's webhook receiver (migration 0005); webhook.repository.ts reads and writes it. */
@Entity({ name: 'webhook_endpoints' })
@Index('ix_webhook_endpoints_project', ['projectId', 'createTime', 'id'])
export class WebhookEndpointEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'project_id', type: 'uuid' })
  projectId!: string;

  @Column({ type: 'text' })
  url!: string;

  @Column({ name: 'event_types', type: 'text', array: true })
  eventTypes!: string[];

  /** `whsec_` + base64 of the HMAC key, kept in clear: every delivery is signed with it. */
  @Column({ type: 'text' })
  secret!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'text', default: '' })
  description!: string;

  @Column({ name: 'create_time', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createTime!: Date;

  @Column({ name: 'update_time', type: 'timestamptz', precision: 3, default: () => 'now()' })
  updateTime!: Date;
}
