import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDataSource } from './data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';
import { runMigrations } from './migration.runner.js';
import { databaseColumns, entityColumns, schemaDifferences } from './schema-diff.js';

// The TypeORM entities against a real Postgres migrated by migrations/: the same tables, columns,
// types, nullability and primary keys.

const dir = mkdtempSync(path.join(tmpdir(), 'aepo-schema-test-'));
let db: EmbeddedDatabase | undefined;

beforeAll(async () => {
  // As root, Postgres runs as the `postgres` user, which must be able to reach its data folder.
  chmodSync(dir, 0o755);
  db = await startEmbeddedPostgres(path.join(dir, 'pg'));
  await runMigrations(db.url);
});

afterAll(async () => {
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('the entities match the migrated schema', async () => {
  const ds = createDataSource(db!.url, 2);
  await ds.initialize();
  try {
    const entities = entityColumns(ds);
    const schema = await databaseColumns(ds);
    // Both sides were read: an empty comparison would prove nothing.
    expect(entities.length).toBeGreaterThan(50);
    expect(new Set(schema.map((c) => c.table)).size).toBeGreaterThanOrEqual(12);
    expect(schemaDifferences(entities, schema, ['schema_migrations'])).toEqual([]);
  } finally {
    await ds.destroy();
  }
});
