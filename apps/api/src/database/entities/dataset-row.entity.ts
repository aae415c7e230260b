import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'dataset_rows' })
export class DatasetRowEntity {
  @PrimaryColumn({ name: 'dataset_id', type: 'uuid' })
  datasetId!: string;

  /** 0-based position in the upload. */
  @PrimaryColumn({ type: 'integer' })
  idx!: number;

  @Column({ type: 'text' })
  prompt!: string;

  @Column({ type: 'text' })
  answer!: string;

  @Column({ name: 'row_id', type: 'text', default: '' })
  rowId!: string;
}
