import { describe, expect, it } from 'vitest';
import { schemaDifferences, type ColumnShape } from './schema-diff.js';

// The comparison behind entities-schema.integration-spec.ts: each kind of difference is reported.

const col = (table: string, column: string, over: Partial<ColumnShape> = {}): ColumnShape => ({
  table,
  column,
  type: 'text',
  nullable: false,
  precision: null,
  primary: false,
  ...over,
});

const schema = [
  col('jobs', 'id', { type: 'uuid', primary: true }),
  col('jobs', 'state'),
  col('jobs', 'create_time', { type: 'timestamptz', precision: 3 }),
  col('jobs', 'error', { type: 'jsonb', nullable: true }),
  col('schema_migrations', 'version', { primary: true }),
];
const entities = schema.filter((c) => c.table !== 'schema_migrations');

describe('schemaDifferences', () => {
  it('finds none when the entities declare what the schema holds', () => {
    expect(schemaDifferences(entities, schema, ['schema_migrations'])).toEqual([]);
  });

  it.each<[string, ColumnShape[], ColumnShape[], string]>([
    [
      'a type',
      [...entities.slice(1), col('jobs', 'id', { primary: true })],
      schema,
      'column jobs.id: entity text NOT NULL PRIMARY KEY, schema uuid NOT NULL PRIMARY KEY',
    ],
    [
      'a nullability',
      entities.map((c) => (c.column === 'error' ? { ...c, nullable: false } : c)),
      schema,
      'column jobs.error: entity jsonb NOT NULL, schema jsonb NULL',
    ],
    [
      'a timestamp precision',
      entities.map((c) => (c.column === 'create_time' ? { ...c, precision: 6 } : c)),
      schema,
      'column jobs.create_time: entity timestamptz(6) NOT NULL, schema timestamptz(3) NOT NULL',
    ],
    [
      'a primary key',
      entities.map((c) => (c.column === 'state' ? { ...c, primary: true } : c)),
      schema,
      'column jobs.state: entity text NOT NULL PRIMARY KEY, schema text NOT NULL',
    ],
    [
      'an entity column the schema lacks',
      [...entities, col('jobs', 'extra')],
      schema,
      'column jobs.extra: not in the schema',
    ],
    [
      'a schema column no entity declares',
      entities.filter((c) => c.column !== 'state'),
      schema,
      'column jobs.state: no entity column',
    ],
    ['a table without an entity', entities, [...schema, col('webhooks', 'id')], 'table webhooks: no entity'],
    [
      'an entity without a table',
      [...entities, col('ghosts', 'id')],
      schema,
      'table ghosts: not in the schema',
    ],
  ])('reports %s', (_what, e, s, line) => {
    expect(schemaDifferences(e, s, ['schema_migrations'])).toEqual([line]);
  });
});
