import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'projects' })
@Index('ix_projects_create_time', ['createTime', 'id'])
export class ProjectEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Column({ name: 'create_time', type: 'timestamptz', precision: 3, default: () => 'now()' })
  createTime!: Date;
}
