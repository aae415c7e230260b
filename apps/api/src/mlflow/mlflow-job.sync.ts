import { jobName, JobSpec } from '@aepo/contracts';
import {
  LOG_BATCH_LIMITS,
  MAX_TAG_VALUE_LENGTH,
  type MlflowClient,
  type MlflowRunStatus,
} from './mlflow.client.js';
import {
  chunks,
  evaluationMetrics,
  fitValue,
  metricBatches,
  specParams,
  stepMetrics,
  targetEntropyTag,
} from './mlflow.mapping.js';
import type {
  Cursor,
  MlflowRunRepository,
  RunChanges,
  TrackedJob,
  TrackedRecord,
  TrackedRun,
} from './mlflow-run.repository.js';
import { registerModel } from './mlflow-model.registrar.js';

/**
 * Records read from the database per round trip: small enough that turning one page into metrics
 * holds the event loop (which also serves the executors' rpcs) for a millisecond or two at most.
 */
const RECORD_PAGE = 100;
const TERMINAL: Record<string, MlflowRunStatus> = {
  SUCCEEDED: 'FINISHED',
  FAILED: 'FAILED',
  CANCELLED: 'KILLED',
};

export interface SyncContext {
  client: MlflowClient;
  runs: MlflowRunRepository;
  claimTtlSeconds: number;
  /** Called after each log-batch call with the number of metric points it carried. */
  onMetricsLogged: (n: number) => void;
  /** Called once the server has answered (ends an outage). */
  onServerAnswered: () => Promise<void>;
}

/**
 * Brings one job's MLflow run up to date: creates it, logs params, every record not sent yet, the
 * events, and once the job has ended, the run's status and (on success) a registered model version.
 * Each step moves the stored cursor, so an interrupted sync resumes without sending anything twice.
 * Returns true when nothing is left to do for the job.
 */
export async function syncJob(ctx: SyncContext, run: TrackedRun, job: TrackedJob): Promise<boolean> {
  // Read first: a terminal state is committed with the job's last records, so once the state read
  // here is terminal, every record is already visible to the reads below.
  const terminalStatus = TERMINAL[job.state];
  const save = (changes: RunChanges) => ctx.runs.update(run, changes, ctx.claimTtlSeconds);
  const spec = JobSpec.fromJSON(job.spec);
  const tracking = spec.mlflow!;
  // An idle running job costs one query per round, and its server no request.
  const idle =
    run.runId !== null &&
    run.paramsLogged &&
    !terminalStatus &&
    run.outageSince === null &&
    !(await ctx.runs.hasNew(run));
  if (idle) return false;

  let artifactUri: string;
  if (run.runId === null) {
    const experimentId = await ctx.client.ensureExperiment(tracking.experimentName);
    await ctx.onServerAnswered();
    // A replica that died between creating the run and saving its id left the run behind: reuse it.
    const existing = await ctx.client.findRunByTag(experimentId, 'job_id', job.id);
    const created = existing
      ? { runId: existing, artifactUri: (await ctx.client.getRun(existing)).artifactUri }
      : await ctx.client.createRun(experimentId, job.id, (job.startTime ?? job.createTime).getTime(), [
          // The run is named by the bare job id (what users search); the tag carries the API's name.
          { key: 'job_id', value: job.id },
          { key: 'job_name', value: jobName(job.projectId, job.id) },
          { key: 'project_id', value: job.projectId },
          { key: 'target_entropy', value: targetEntropyTag(job.spec['entropyTarget']) },
          { key: 'base_model', value: job.baseModel },
        ]);
    run.runId = created.runId;
    run.experimentId = experimentId;
    artifactUri = created.artifactUri;
    await save({ runId: run.runId, experimentId });
  } else {
    artifactUri = (await ctx.client.getRun(run.runId)).artifactUri;
    await ctx.onServerAnswered();
  }
  const runId = run.runId;

  if (!run.paramsLogged) {
    // Params are write-once in MLflow; logging the same value again (a retry) is accepted.
    for (const params of chunks(specParams(job.spec), LOG_BATCH_LIMITS.params)) {
      await ctx.client.logBatch(runId, { params });
    }
    run.paramsLogged = true;
    await save({ paramsLogged: true });
  }

  await sendRecords(ctx, run, 'step_records', 'stepRevision', stepMetrics, save);
  await sendRecords(ctx, run, 'evaluation_records', 'evalRevision', evaluationMetrics, save);
  await sendEvents(ctx, run, artifactUri, save);

  if (!terminalStatus) return false;
  if (run.runStatus === null) {
    await ctx.client.endRun(runId, terminalStatus, (job.endTime ?? new Date()).getTime());
    run.runStatus = terminalStatus;
    await save({ runStatus: terminalStatus });
  }
  if (terminalStatus === 'FINISHED' && run.modelVersion === null) {
    const checkpoint = await ctx.runs.checkpointToRegister(job);
    run.modelVersion = await registerModel(ctx.client, {
      name: tracking.registeredModelName,
      runId,
      artifactUri,
      job,
      checkpoint,
    });
    await save({ modelVersion: run.modelVersion });
  }
  await save({ done: true });
  return true;
}

async function sendRecords(
  ctx: SyncContext,
  run: TrackedRun,
  table: 'step_records' | 'evaluation_records',
  field: Exclude<Cursor, 'eventSequence'>,
  metricsOf: typeof stepMetrics,
  save: (changes: RunChanges) => Promise<void>,
): Promise<void> {
  for (;;) {
    const page = await ctx.runs.records(table, run.jobId, run[field], RECORD_PAGE);
    if (page.length === 0) return;
    const batches = metricBatches(
      page,
      (r: TrackedRecord) => metricsOf(r.step, r.record, r.createTime.getTime()),
      (r) => r.revision,
    );
    for (const batch of batches) {
      // Let waiting rpcs run before the next batch is serialized.
      await new Promise((resolve) => setImmediate(resolve));
      await ctx.client.logBatch(run.runId!, { metrics: batch.metrics });
      ctx.onMetricsLogged(batch.metrics.length);
      run[field] = batch.cursor;
      await save({ [field]: batch.cursor });
    }
  }
}

/**
 * Job events: the whole history as `events.jsonl`, rewritten when new ones arrive, where the server
 * proxies the run's artifacts; else one tag per event (`event.<sequence>`).
 */
async function sendEvents(
  ctx: SyncContext,
  run: TrackedRun,
  artifactUri: string,
  save: (changes: RunChanges) => Promise<void>,
): Promise<void> {
  const fresh = await ctx.runs.events(run.jobId, run.eventSequence, 10_000);
  if (fresh.length === 0) return;
  const all = run.eventSequence === 0 ? fresh : await ctx.runs.events(run.jobId, 0, 1_000_000);
  const lines = all.map((e) =>
    JSON.stringify({
      sequence: e.sequence,
      time: e.createTime.toISOString(),
      type: e.type,
      ...(e.fromState ? { from_state: e.fromState } : {}),
      ...(e.toState ? { to_state: e.toState } : {}),
      attempt: e.attempt,
      message: e.message,
    }),
  );
  const stored = await ctx.client.putRunArtifact(
    artifactUri,
    'events.jsonl',
    Buffer.from(lines.join('\n') + '\n'),
  );
  if (!stored) {
    const tags = fresh.map((e) => ({
      key: `event.${String(e.sequence).padStart(6, '0')}`,
      value: fitValue(`${e.type} ${e.message}`, MAX_TAG_VALUE_LENGTH),
    }));
    for (const part of chunks(tags, LOG_BATCH_LIMITS.tags))
      await ctx.client.logBatch(run.runId!, { tags: part });
  }
  run.eventSequence = fresh[fresh.length - 1]!.sequence;
  await save({ eventSequence: run.eventSequence });
}
