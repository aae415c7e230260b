import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';
import { MIGRATIONS_DIR, runMigrations } from './migration.runner.js';

// Migration 0008 (AIP-122 names) on a database that ran 0001..0007 and holds jobs stored before it:
// their specs name their datasets, the best checkpoint's step is copied beside its id, and webhook
// payloads written after it name the job and the checkpoint.

const dir = mkdtempSync(path.join(tmpdir(), 'aepo-migration-0008-'));
let db: EmbeddedDatabase | undefined;
let sql: pg.Client;

const PROJECT = '11111111-1111-4111-8111-111111111111';
const TRAIN = '22222222-2222-4222-8222-222222222222';
const VALID = '33333333-3333-4333-8333-333333333333';
const JOB_WITH_VALIDATION = '44444444-4444-4444-8444-444444444444';
const JOB_TRAIN_ONLY = '55555555-5555-4555-8555-555555555555';
const CHECKPOINT = '66666666-6666-4666-8666-666666666666';
const ENDPOINT = '77777777-7777-4777-8777-777777777777';

/** The migrations before 0008, alone in a folder, to build the database 0008 meets in the field. */
function migrationsBefore0008(): string {
  const before = path.join(dir, 'before');
  mkdirSync(before);
  for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => /^000[1-7]_.*\.sql$/.test(f))) {
    copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(before, f));
  }
  return before;
}

/** A job as a 0.2 API stored it: the spec's dataset fields are ids. */
async function insertOldJob(id: string, validation: string | null): Promise<void> {
  const spec = {
    baseModel: 'builtin:tiny-arith',
    trainingDatasetId: TRAIN,
    ...(validation ? { validationDatasetId: validation } : {}),
    entropyTarget: { constant: 0.3 },
    optimization: { maxSteps: 10 },
  };
  await sql.query(
    `INSERT INTO jobs (id, project_id, spec, base_model, training_dataset_id, validation_dataset_id, state)
     VALUES ($1, $2, $3, 'builtin:tiny-arith', $4, $5, 'RUNNING')`,
    [id, PROJECT, JSON.stringify(spec), TRAIN, validation],
  );
}

beforeAll(async () => {
  // As root, Postgres runs as the `postgres` user, which must be able to reach its data folder.
  chmodSync(dir, 0o755);
  db = await startEmbeddedPostgres(path.join(dir, 'pg'));
  await runMigrations(db.url, migrationsBefore0008());
  sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  await sql.query(`INSERT INTO projects (id, display_name) VALUES ($1, 'p')`, [PROJECT]);
  await insertOldJob(JOB_WITH_VALIDATION, VALID);
  await insertOldJob(JOB_TRAIN_ONLY, null);
  await sql.query(
    `INSERT INTO checkpoints (id, job_id, step, attempt, uri, entropy, in_band, reward_mean)
     VALUES ($1, $2, 7, 1, '/c/7', 0.3, true, 0.5)`,
    [CHECKPOINT, JOB_WITH_VALIDATION],
  );
  await sql.query('UPDATE jobs SET best_checkpoint_id = $1 WHERE id = $2', [CHECKPOINT, JOB_WITH_VALIDATION]);
  expect(await runMigrations(db.url)).toContain('0008_spec_dataset_names');
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await db?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('rewrites the stored specs to dataset names and keeps every other field', async () => {
  const { rows } = await sql.query<{ id: string; spec: Record<string, unknown> }>(
    'SELECT id, spec FROM jobs ORDER BY id',
  );
  expect(rows.map((r) => [r.id, r.spec])).toEqual([
    [
      JOB_WITH_VALIDATION,
      {
        baseModel: 'builtin:tiny-arith',
        trainingDataset: `projects/${PROJECT}/datasets/${TRAIN}`,
        validationDataset: `projects/${PROJECT}/datasets/${VALID}`,
        entropyTarget: { constant: 0.3 },
        optimization: { maxSteps: 10 },
      },
    ],
    [
      JOB_TRAIN_ONLY,
      {
        baseModel: 'builtin:tiny-arith',
        trainingDataset: `projects/${PROJECT}/datasets/${TRAIN}`,
        entropyTarget: { constant: 0.3 },
        optimization: { maxSteps: 10 },
      },
    ],
  ]);
});

it('copies the best checkpoint step beside its id', async () => {
  const { rows } = await sql.query<{ id: string; best_checkpoint_step: string | null }>(
    'SELECT id, best_checkpoint_step FROM jobs ORDER BY id',
  );
  expect(rows).toEqual([
    { id: JOB_WITH_VALIDATION, best_checkpoint_step: '7' },
    { id: JOB_TRAIN_ONLY, best_checkpoint_step: null },
  ]);
});

it('names the job and the checkpoint in webhook payloads written after it', async () => {
  await sql.query(
    `INSERT INTO webhook_endpoints (id, project_id, url, event_types, secret)
     VALUES ($1, $2, 'https://example.com/h', '{job.checkpoint_saved,job.evaluation_recorded}', 'whsec_x')`,
    [ENDPOINT, PROJECT],
  );
  await sql.query(
    `INSERT INTO job_events (job_id, sequence, type, attempt, message) VALUES ($1, 1, 'CHECKPOINT_SAVED', 1, 'c')`,
    [JOB_WITH_VALIDATION],
  );
  await sql.query(
    `INSERT INTO evaluation_records (job_id, step, attempt, record) VALUES ($1, 7, 1, '{"accuracy": 0.5}')`,
    [JOB_WITH_VALIDATION],
  );
  const { rows } = await sql.query<{ event_type: string; payload: string }>(
    'SELECT event_type, payload FROM webhook_deliveries ORDER BY event_type',
  );
  const data = rows.map((r) => [r.event_type, (JSON.parse(r.payload) as { data: unknown }).data]);
  const job = `projects/${PROJECT}/jobs/${JOB_WITH_VALIDATION}`;
  expect(data).toEqual([
    [
      'job.checkpoint_saved',
      {
        job,
        sequence: 1,
        attempt: 1,
        message: 'c',
        checkpoint: {
          name: `${job}/checkpoints/7`,
          step: 7,
          uri: '/c/7',
          entropy: 0.3,
          inBand: true,
          rewardMean: 0.5,
          sizeBytes: 0,
        },
      },
    ],
    ['job.evaluation_recorded', { job, step: 7, attempt: 1, record: { accuracy: 0.5 } }],
  ]);
});
