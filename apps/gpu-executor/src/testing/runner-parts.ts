/**
 * The JobRunner's parts wired as the runner wires them, around the existing fakes (FakeEngine,
 * FakeExecutorApi) and a real CheckpointStore in a temporary folder: for the unit tests of one part.
 */
import type { Example } from '@aepo/aepo';
import { jobIdOf, type JobSpec } from '@aepo/contracts';
import { grade } from '@aepo/rewards';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { CheckpointStore } from '../checkpoint/checkpoint.store.js';
import { type Grader, gradingReward } from '../job/dataset-loader.js';
import { toAlgorithmConfig, toGraderSpec } from '../job/job-spec.mapper.js';
import { assembleLeaseParts } from '../job/lease-parts.js';
import { LeaseSession } from '../job/lease-session.js';
import { registerExecutorMetrics } from '../metrics/executor-metrics.js';
import { MetricsReporter } from '../metrics/metrics.reporter.js';
import { FakeEngine } from './fake-engine.js';
import { FakeExecutorApi } from './fake-executor-api.js';
import { RUNNER_ROWS, runnerSpec } from './runner-fixtures.js';

export const silentLog = pino({ level: process.env.DEBUG_RUNNER ? 'debug' : 'silent' });

/** The real graders, in this thread. */
export const inlineGrader: Grader = {
  gradeBatch: async (items) => items.map((i) => grade(i.pred, i.gold, i.spec)),
};

/** An engine handle whose generation a test bumps to simulate a restart. */
export function engineHandle(client = new FakeEngine()) {
  return { client, generation: 1, ensureHealthy: async () => {} };
}

export interface PartsOptions {
  /** Checkpoint root (a temporary folder). */
  dir: string;
  spec?: JobSpec;
  stepRetries?: number;
  shutdownGraceMs?: number;
}

/** Every part of one lease (wired by assembleLeaseParts, as the runner does), from the runner fixtures; nothing loaded yet. */
export function buildParts(o: PartsOptions) {
  const spec = o.spec ?? runnerSpec();
  const api = new FakeExecutorApi(RUNNER_ROWS);
  const handle = engineHandle();
  const client = handle.client;
  const log = silentLog;
  const metrics = new MetricsReporter(registerExecutorMetrics(new Registry()));
  const lease = api.lease(spec);
  const session = new LeaseSession({
    api,
    jobId: jobIdOf(lease.job!.name),
    attempt: lease.attempt,
    leaseTtlSeconds: lease.leaseTtlSeconds,
    lastRecordedStep: lease.lastRecordedStep,
    initial: { cancelRequested: false, pauseRequested: false, target: spec.entropyTarget, targetRevision: 0 },
    retry: { initialMs: 1, maxMs: 2 },
    log,
  });
  const trainSet: Example[] = RUNNER_ROWS.map((r) => ({ ...r }));
  const reward = gradingReward(inlineGrader, toGraderSpec(spec.grader));
  const store = new CheckpointStore(join(o.dir, 'ckpt'));
  const parts = assembleLeaseParts({
    spec,
    config: toAlgorithmConfig(spec),
    targetRevision: 0,
    data: { trainSet, validationSet: [], reward },
    session,
    engine: handle,
    store,
    metrics,
    log,
    stepRetries: o.stepRetries ?? 2,
    shutdownGraceMs: o.shutdownGraceMs ?? 1000,
    checkpointOnCancel: true,
    maxNonFiniteSteps: 3,
  });
  return { spec, api, handle, client, session, store, metrics, log, ...parts };
}
export const noStop = (): AbortSignal => new AbortController().signal;
