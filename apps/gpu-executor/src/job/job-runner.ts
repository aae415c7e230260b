/**
 * Runs one lease to its end: streams the dataset, maps the spec onto libs/aepo's Trainer, runs the
 * steps against the engine, reports every step in a heartbeat and applies the answer (cancel, pause,
 * new target) before the next step, checkpoints on the spec's cadence, on pause, on cancel and on
 * shutdown, and resumes exactly from a lease's checkpoint.
 *
 * Ordering that keeps the job's step history gap-free: a checkpoint of step s is saved, then the
 * heartbeat carrying step s (and every earlier unacknowledged step) must succeed, and only then is
 * the checkpoint reported. A resume therefore never starts after a step the API does not have; steps
 * replayed after a checkpoint are deduplicated by the API.
 */
import {
  type AlgorithmConfig,
  type EvaluationRecord as AepoEvaluation,
  type Example,
  type RewardFn,
  type StepOutcome,
  type StepRecord as AepoStep,
  Trainer,
  type TrainerState,
} from '@aepo/aepo';
import { type EntropyTarget, type JobSpec, executorV1 } from '@aepo/contracts';
import type { GradeResult, GraderSpec, GradingItem } from '@aepo/rewards';
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { LeaseLostError, withApiRetry } from '../api/api-retry.js';
import type { ExecutorApi } from '../api/executor-api.port.js';
import {
  type CheckpointBackend,
  CheckpointError,
  type SavedCheckpoint,
} from '../checkpoint/checkpoint.store.js';
import { ObjectStoreUnavailableError } from '../checkpoint/store-retry.js';
import type { ExecutorEngine } from '../engine/engine.port.js';
import { EngineTimer } from '../engine/engine-timer.js';
import type { MetricsReporter } from '../metrics/metrics.reporter.js';
import { JobFailure, errorMessage, grpcCode, isPermanentEngineError } from './job-errors.js';
import {
  JobSpecError,
  checkpointEvery,
  checkpointKeepLast,
  exportsMergedModel,
  toAlgorithmConfig,
  toEngineModelOptions,
  toGraderSpec,
} from './job-spec.mapper.js';
import { LeaseSession } from './lease-session.js';
import { toProtoEvaluation, toProtoStep } from './record.mapper.js';

/** The engine as the runner sees it (EngineSupervisor). */
export interface EngineHandle {
  readonly client: ExecutorEngine;
  /** Bumped by every engine (re)start: its memory is gone. */
  readonly generation: number;
  ensureHealthy(): Promise<void>;
}

export interface Grader {
  gradeBatch(items: GradingItem[]): Promise<(GradeResult | null)[]>;
}

export interface JobRunnerOptions {
  api: ExecutorApi;
  engine: EngineHandle;
  store: CheckpointBackend;
  grader: Grader;
  metrics: MetricsReporter;
  log: Logger;
  stepRetries: number;
  checkpointOnCancel: boolean;
  shutdownGraceMs: number;
  apiRetry: { initialMs: number; maxMs: number };
  /** Steps in a row whose updates were all skipped (non-finite loss or gradient) that fail the job. Default 3. */
  maxNonFiniteSteps?: number;
}

export type RunOutcome = 'succeeded' | 'failed' | 'cancelled' | 'paused' | 'released' | 'lost';

interface RunContext {
  jobId: string;
  spec: JobSpec;
  session: LeaseSession;
  config: AlgorithmConfig;
  /** Target revision `config` was built with. */
  configRevision: number;
  /** Target revision the trainer runs with. */
  heldRevision: number;
  trainer: Trainer;
  trainSet: Example[];
  validationSet: Example[];
  reward: RewardFn;
  loadedGeneration: number;
  lastCheckpoint: SavedCheckpoint | null;
  lastCheckpointStep: number;
  lastRecord: AepoStep | null;
  lastEvaluation: AepoEvaluation | null;
  /** The engine as the trainer sees it, timing the engine's own compute. */
  timer: EngineTimer;
  /** Engine restarts since the run last got past its furthest step (a crash loop fails the job). */
  restartsWithoutProgress: number;
  furthestStep: number;
  /** Token budget the engine was loaded with (JobSpec.model's or the engine's default). */
  engineTokenBudget: number;
  /** Set once after an out-of-memory: the halved budget every later Load uses. */
  reducedTokenBudget: number | null;
  /** Steps in a row with skipped (non-finite) updates. */
  nonFiniteRun: number;
}

const ABANDON = Symbol('abandon');
const REWOUND = Symbol('rewound');

export class JobRunner {
  constructor(private readonly o: JobRunnerOptions) {}

  /** Runs the lease until the job ends, is handed back, or the lease is lost. `stop`: SIGTERM. */
  async run(lease: executorV1.Lease, stop: AbortSignal): Promise<RunOutcome> {
    const job = lease.job;
    const spec = job?.spec;
    if (!job || !spec) throw new Error('lease without a job spec');
    const log = this.o.log.child({ jobId: job.id, attempt: lease.attempt });
    const session = new LeaseSession({
      api: this.o.api,
      jobId: job.id,
      attempt: lease.attempt,
      leaseTtlSeconds: lease.leaseTtlSeconds,
      lastRecordedStep: lease.lastRecordedStep,
      initial: {
        cancelRequested: job.cancelRequested,
        pauseRequested: job.pauseRequested,
        target: spec.entropyTarget,
        targetRevision: job.entropyTargetRevision,
      },
      retry: this.o.apiRetry,
      log,
    });
    session.startKeepAlive();
    this.o.metrics.jobStarted({ id: job.id, model: spec.baseModel, algorithm: spec.algorithm });
    log.info({ model: spec.baseModel, resumeFrom: lease.resumeFrom?.step ?? null }, 'job leased');
    try {
      const ctx = await this.prepare(lease, session, log);
      return await this.loop(ctx, stop, log);
    } catch (e) {
      if (e instanceof LeaseLostError || session.leaseLost) {
        log.warn({ err: errorMessage(e) }, 'lease lost; stopping the job without further writes');
        return 'lost';
      }
      const failure =
        e instanceof JobFailure
          ? e
          : e instanceof JobSpecError
            ? new JobFailure(status.INVALID_ARGUMENT, e.message)
            : e instanceof ObjectStoreUnavailableError
              ? new JobFailure(status.UNAVAILABLE, e.message)
              : e instanceof CheckpointError
                ? new JobFailure(status.FAILED_PRECONDITION, e.message)
                : new JobFailure(status.INTERNAL, `executor error: ${errorMessage(e)}`);
      log.error({ err: failure.message, stack: (e as Error).stack }, 'job failed');
      try {
        await session.complete(executorV1.Outcome.OUTCOME_FAILED, {
          code: failure.code,
          message: failure.message,
        });
      } catch (e2) {
        log.warn({ err: errorMessage(e2) }, 'could not report the failure');
        return 'lost';
      }
      return 'failed';
    } finally {
      session.close();
      this.o.metrics.jobEnded();
    }
  }

  private async prepare(lease: executorV1.Lease, session: LeaseSession, log: Logger): Promise<RunContext> {
    const job = lease.job!;
    const spec = job.spec!;
    const graderSpec = toGraderSpec(spec.grader);
    const config = toAlgorithmConfig(spec);
    const trainSet = await this.loadRows(session, executorV1.DatasetRole.DATASET_ROLE_TRAINING);
    const validationSet =
      spec.validationDatasetId && config.validation.everySteps > 0
        ? await this.loadRows(session, executorV1.DatasetRole.DATASET_ROLE_VALIDATION)
        : [];
    await this.checkGradable(trainSet, graderSpec, 'training');
    await this.checkGradable(validationSet, graderSpec, 'validation');
    const reward: RewardFn = async (items) =>
      (
        await this.o.grader.gradeBatch(
          items.map((it) => ({ pred: it.completion, gold: it.answer, spec: graderSpec })),
        )
      ).map((r) => r?.score ?? 0);

    const ctx: RunContext = {
      jobId: job.id,
      spec,
      session,
      config,
      configRevision: job.entropyTargetRevision,
      heldRevision: job.entropyTargetRevision,
      trainer: undefined as unknown as Trainer,
      trainSet,
      validationSet,
      reward,
      loadedGeneration: -1,
      lastCheckpoint: null,
      lastCheckpointStep: 0,
      lastRecord: null,
      lastEvaluation: null,
      timer: new EngineTimer(this.o.engine.client),
      restartsWithoutProgress: 0,
      furthestStep: 0,
      engineTokenBudget: 0,
      reducedTokenBudget: null,
      nonFiniteRun: 0,
    };
    if (lease.resumeFrom) {
      const restored = await this.o.store.read(lease.resumeFrom.uri);
      const meta = restored.file.meta;
      if (meta.jobId !== job.id || restored.file.trainer.step !== lease.resumeFrom.step) {
        throw new CheckpointError(
          `checkpoint ${lease.resumeFrom.uri} holds job ${meta.jobId} step ${restored.file.trainer.step}, expected job ${job.id} step ${lease.resumeFrom.step}`,
        );
      }
      ctx.lastCheckpoint = {
        uri: lease.resumeFrom.uri,
        dir: restored.dir,
        sizeBytes: lease.resumeFrom.sizeBytes,
        meta,
      };
      ctx.lastCheckpointStep = meta.step;
    }
    await this.restore(ctx, log);
    return ctx;
  }

  /** (Re)loads the engine and the trainer from the last checkpoint, or from scratch without one. */
  private async restore(ctx: RunContext, log: Logger): Promise<void> {
    const restored = ctx.lastCheckpoint ? await this.o.store.read(ctx.lastCheckpoint.uri) : null;
    await this.loadEngine(ctx, restored?.engineDir ?? null, log);
    ctx.trainer = this.makeTrainer(ctx, restored?.file.trainer);
    ctx.heldRevision = ctx.configRevision;
    if (restored && restored.file.meta.targetRevision < ctx.configRevision) {
      // The target changed after this checkpoint: the current one applies from the next step.
      ctx.trainer.setTarget(ctx.config.entropy.target);
    }
    log.info(
      { step: ctx.trainer.step, of: ctx.trainer.totalSteps },
      restored ? 'resumed from checkpoint' : 'starting',
    );
  }

  private async loadEngine(ctx: RunContext, checkpointDir: string | null, log: Logger): Promise<void> {
    const o = ctx.config.optim;
    for (let attempt = 0; ; attempt++) {
      await this.o.engine.ensureHealthy();
      const generation = this.o.engine.generation;
      try {
        const options = toEngineModelOptions(ctx.spec);
        if (ctx.reducedTokenBudget !== null) options.maxTokensPerMicroBatch = ctx.reducedTokenBudget;
        const loaded = await this.o.engine.client.load({
          model: ctx.spec.baseModel,
          seed: ctx.config.seed,
          lr: o.lr,
          weightDecay: o.weightDecay,
          gradClip: o.gradClip,
          klCoef: o.klCoef,
          options,
        });
        ctx.engineTokenBudget = loaded?.model?.maxTokensPerMicroBatch ?? options.maxTokensPerMicroBatch;
        if (checkpointDir) await this.o.engine.client.loadCheckpoint(checkpointDir);
        ctx.loadedGeneration = generation;
        return;
      } catch (e) {
        if (isPermanentEngineError(e)) {
          throw new JobFailure(
            status.FAILED_PRECONDITION,
            `engine cannot ${checkpointDir ? `restore checkpoint ${checkpointDir} of` : 'load'} model ${ctx.spec.baseModel}: ${errorMessage(e)}`,
          );
        }
        if (attempt >= this.o.stepRetries) {
          throw new JobFailure(
            status.UNAVAILABLE,
            `engine failed to load ${ctx.spec.baseModel} ${attempt + 1} times: ${errorMessage(e)}`,
          );
        }
        log.warn({ err: errorMessage(e), attempt }, 'engine load failed; retrying');
      }
    }
  }

  private makeTrainer(ctx: RunContext, state: TrainerState | undefined): Trainer {
    return new Trainer({
      config: ctx.config,
      engine: ctx.timer,
      reward: ctx.reward,
      trainSet: ctx.trainSet,
      validationSet: ctx.validationSet,
      ...(state ? { state } : {}),
    });
  }

  private async loop(ctx: RunContext, stop: AbortSignal, log: Logger): Promise<RunOutcome> {
    const { session } = ctx;
    const every = checkpointEvery(ctx.spec);
    for (;;) {
      if (session.leaseLost) throw session.leaseLost;
      // Every step done: the job succeeded, whatever was requested meanwhile.
      if (ctx.trainer.done) break;
      const c = session.control;
      if (c.cancelRequested) return this.cancel(ctx, log);
      if (c.pauseRequested) return this.handBack(ctx, 'pause requested', 'paused', log);
      if (stop.aborted) return this.handBack(ctx, 'executor shutting down', 'released', log);
      if (c.target && c.targetRevision > ctx.heldRevision)
        this.applyTarget(ctx, c.target, c.targetRevision, log);

      const t0 = performance.now();
      ctx.timer.take();
      const outcome = await this.stepWithRetry(ctx, stop, log);
      if (outcome === REWOUND) continue;
      if (outcome === ABANDON) {
        log.warn('shutdown grace period over; abandoning the step and releasing the lease');
        await session.release('executor shut down mid-step');
        return 'released';
      }
      const { record, evaluation, events } = outcome;
      if (record.step > ctx.furthestStep) {
        ctx.furthestStep = record.step;
        ctx.restartsWithoutProgress = 0;
      }
      for (const ev of events) log.info({ event: ev.kind, step: ev.step }, ev.message);
      ctx.lastRecord = record;
      if (evaluation) ctx.lastEvaluation = evaluation;
      let saved: SavedCheckpoint | null = null;
      let checkpointSeconds = 0;
      if (record.step % every === 0 || ctx.trainer.done) {
        const t0 = performance.now();
        const result = await this.saveOrRewind(ctx, log);
        // The step's record is not sent yet: the replay from the last checkpoint redoes it.
        if (result === REWOUND) continue;
        saved = result;
        checkpointSeconds = (performance.now() - t0) / 1000;
        this.o.metrics.checkpoint(checkpointSeconds);
      }
      const nonFiniteUpdates = ctx.timer.takeNonFinite();
      session.enqueue(
        toProtoStep(record, session.attempt, checkpointSeconds, nonFiniteUpdates),
        evaluation ? toProtoEvaluation(evaluation, session.attempt) : undefined,
      );
      this.o.metrics.step(record);
      await session.heartbeat();
      if (saved) await this.report(ctx, saved);
      this.checkNonFinite(ctx, record.step, nonFiniteUpdates);
      // Wall time of the whole iteration (step, grading, checkpoint, heartbeat) against the engine's
      // own compute time: the difference is the executor's overhead (bench:executor reads this line).
      const wallSeconds = (performance.now() - t0) / 1000;
      const engineSeconds = ctx.timer.take();
      log.info(
        {
          step: record.step,
          wallSeconds,
          engineSeconds,
          checkpointSeconds,
          overheadSeconds: wallSeconds - engineSeconds,
        },
        'step done',
      );
    }
    // Exported (files, then manifest) before the job is completed with its URI: a recorded model is whole.
    const model = ctx.lastCheckpoint ? await this.o.store.exportModel(ctx.lastCheckpoint) : null;
    if (model) log.info({ uri: model, step: ctx.lastCheckpoint?.meta.step }, 'model exported');
    await session.complete(executorV1.Outcome.OUTCOME_SUCCEEDED, undefined, model ?? '');
    log.info({ steps: ctx.trainer.step }, 'job succeeded');
    return 'succeeded';
  }

  /** One step; on an engine failure, retried from the state before it (or from the last checkpoint when the engine restarted). */
  private async stepWithRetry(
    ctx: RunContext,
    stop: AbortSignal,
    log: Logger,
  ): Promise<StepOutcome | typeof ABANDON | typeof REWOUND> {
    for (let failures = 0; ;) {
      const before = ctx.trainer.state();
      try {
        if (this.o.engine.generation !== ctx.loadedGeneration) throw new Error('engine restarted');
        return await raceGrace(ctx.trainer.stepOnce(), stop, this.o.shutdownGraceMs);
      } catch (e) {
        if (e instanceof LeaseLostError) throw e;
        failures++;
        log.warn({ err: errorMessage(e), step: before.step + 1, failures }, 'training step failed');
        if (grpcCode(e) === status.RESOURCE_EXHAUSTED) {
          await this.retryWithHalfTheBudget(ctx, e, before.step + 1, log);
          return REWOUND;
        }
        if (failures > this.o.stepRetries) {
          throw new JobFailure(
            status.ABORTED,
            `step ${before.step + 1} failed ${failures} times in the engine; last error: ${errorMessage(e)}`,
          );
        }
        if (await this.rewindIfEngineRestarted(ctx, e, log)) return REWOUND;
        if (grpcCode(e) === status.ABORTED) {
          // A Train failed after applying part of its update: the weights are neither before nor
          // after the step, so only the last checkpoint is a known state.
          log.warn({ err: errorMessage(e) }, 'engine state half-updated; resuming from the last checkpoint');
          await this.restore(ctx, log);
          return REWOUND;
        }
        ctx.trainer = this.makeTrainer(ctx, before);
      }
    }
  }

  /**
   * After an engine call failed: waits for a healthy engine; when it is a new process (its memory,
   * weights and optimizer are gone), restores the last checkpoint and answers true (the caller
   * replays from there). A job whose engine keeps dying without progress fails.
   */
  private async rewindIfEngineRestarted(ctx: RunContext, cause: unknown, log: Logger): Promise<boolean> {
    await this.o.engine.ensureHealthy();
    if (this.o.engine.generation === ctx.loadedGeneration) return false;
    if (++ctx.restartsWithoutProgress > this.o.stepRetries) {
      throw new JobFailure(
        status.ABORTED,
        `the engine died ${ctx.restartsWithoutProgress} times without getting past step ${ctx.furthestStep}; last error: ${errorMessage(cause)}`,
      );
    }
    log.warn(
      { checkpointStep: ctx.lastCheckpointStep },
      'engine restarted; resuming from the last checkpoint',
    );
    await this.restore(ctx, log);
    ctx.session.rewound(ctx.lastCheckpointStep, `engine restarted after: ${errorMessage(cause)}`);
    return true;
  }

  /**
   * After an out-of-memory step: reloads the engine with half the token budget and replays from the
   * last checkpoint (a known state, whatever the failed call had applied). A second one fails the
   * job naming the knob: never an endless retry.
   */
  private async retryWithHalfTheBudget(
    ctx: RunContext,
    e: unknown,
    step: number,
    log: Logger,
  ): Promise<void> {
    const budget = ctx.engineTokenBudget;
    if (ctx.reducedTokenBudget !== null || budget <= 1) {
      throw new JobFailure(
        status.RESOURCE_EXHAUSTED,
        `step ${step} ran out of accelerator memory even with model.max_tokens_per_micro_batch ${budget}` +
          `${ctx.reducedTokenBudget !== null ? ' (already halved once)' : ''}: lower spec.model.max_tokens_per_micro_batch ` +
          `(or rollout.max_tokens, or train a model.adapter); engine: ${errorMessage(e)}`,
      );
    }
    ctx.reducedTokenBudget = Math.floor(budget / 2);
    log.warn(
      { err: errorMessage(e), step, from: budget, to: ctx.reducedTokenBudget },
      'engine out of memory; retrying from the last checkpoint with half the token budget',
    );
    await this.restore(ctx, log);
  }

  /** Fails the job after maxNonFiniteSteps steps in a row whose updates were skipped. */
  private checkNonFinite(ctx: RunContext, step: number, skipped: number): void {
    ctx.nonFiniteRun = skipped > 0 ? ctx.nonFiniteRun + 1 : 0;
    const limit = this.o.maxNonFiniteSteps ?? 3;
    if (ctx.nonFiniteRun >= limit) {
      throw new JobFailure(
        status.ABORTED,
        `the loss or gradient norm was not finite in ${ctx.nonFiniteRun} steps in a row (steps ${step - ctx.nonFiniteRun + 1}..${step}); ` +
          'those updates were skipped: lower optimization.learning_rate or set optimization.grad_clip, or use model.precision FP32',
      );
    }
  }

  /** A periodic checkpoint; if the engine died while saving, rewinds to the last one instead. */
  private async saveOrRewind(ctx: RunContext, log: Logger): Promise<SavedCheckpoint | typeof REWOUND> {
    try {
      return await this.save(ctx);
    } catch (e) {
      if (e instanceof CheckpointError || isPermanentEngineError(e)) throw e;
      log.warn({ err: errorMessage(e), step: ctx.trainer.step }, 'checkpoint failed in the engine');
      if (await this.rewindIfEngineRestarted(ctx, e, log)) return REWOUND;
      throw e;
    }
  }

  private applyTarget(ctx: RunContext, target: EntropyTarget, revision: number, log: Logger): void {
    let config: AlgorithmConfig;
    try {
      config = toAlgorithmConfig(ctx.spec, target);
    } catch (e) {
      log.error({ err: errorMessage(e), revision }, 'ignoring an entropy target the trainer rejects');
      ctx.heldRevision = revision;
      return;
    }
    const state = ctx.trainer.state();
    ctx.config = config;
    ctx.configRevision = revision;
    ctx.trainer = this.makeTrainer(ctx, state);
    const ev = ctx.trainer.setTarget(config.entropy.target);
    ctx.heldRevision = revision;
    log.info({ revision }, ev.message);
  }

  private async save(ctx: RunContext): Promise<SavedCheckpoint> {
    const r = ctx.lastRecord;
    const step = ctx.trainer.step;
    const ev = ctx.lastEvaluation && ctx.lastEvaluation.step === step ? ctx.lastEvaluation : null;
    const saved = await this.o.store.save(
      {
        jobId: ctx.jobId,
        step,
        attempt: ctx.session.attempt,
        targetRevision: ctx.heldRevision,
        entropy: r?.entropyFullVocab ?? 0,
        inBand: r?.inBand ?? false,
        rewardMean: r?.rewardMean ?? 0,
        ...(ev ? { validationAccuracy: ev.accuracy } : {}),
      },
      ctx.trainer.state(),
      (dir) =>
        this.o.engine.client.saveCheckpoint(dir, {
          mergeAdapter: ctx.trainer.done && exportsMergedModel(ctx.spec),
        }),
    );
    ctx.lastCheckpoint = saved;
    ctx.lastCheckpointStep = step;
    return saved;
  }

  private async report(ctx: RunContext, saved: SavedCheckpoint): Promise<void> {
    const m = saved.meta;
    await ctx.session.reportCheckpoint({
      step: m.step,
      uri: saved.uri,
      entropy: m.entropy,
      inBand: m.inBand,
      rewardMean: m.rewardMean,
      ...(m.validationAccuracy !== undefined ? { validationAccuracy: m.validationAccuracy } : {}),
      sizeBytes: saved.sizeBytes,
    });
    await this.o.store.prune(ctx.jobId, checkpointKeepLast(ctx.spec)).catch((e: unknown) => {
      this.o.log.warn({ err: errorMessage(e) }, 'checkpoint pruning failed');
    });
  }

  /** Checkpoints unsaved progress, flushes the records, reports the checkpoint. */
  private async flushWithCheckpoint(ctx: RunContext): Promise<void> {
    let saved: SavedCheckpoint | null = null;
    if (ctx.trainer.step > ctx.lastCheckpointStep) {
      const t0 = performance.now();
      saved = await this.save(ctx);
      this.o.metrics.checkpoint((performance.now() - t0) / 1000);
    }
    if (ctx.session.pendingSteps > 0) await ctx.session.heartbeat();
    if (saved) await this.report(ctx, saved);
  }

  private async handBack(
    ctx: RunContext,
    reason: string,
    result: 'paused' | 'released',
    log: Logger,
  ): Promise<RunOutcome> {
    await this.flushWithCheckpoint(ctx);
    const res = await ctx.session.release(reason);
    log.info({ step: ctx.trainer.step, state: res.job?.state }, `lease released: ${reason}`);
    return result;
  }

  private async cancel(ctx: RunContext, log: Logger): Promise<RunOutcome> {
    if (this.o.checkpointOnCancel) await this.flushWithCheckpoint(ctx);
    await ctx.session.complete(executorV1.Outcome.OUTCOME_CANCELLED);
    log.info({ step: ctx.trainer.step }, 'job cancelled');
    return 'cancelled';
  }

  private async loadRows(session: LeaseSession, role: executorV1.DatasetRole): Promise<Example[]> {
    const rows: Example[] = [];
    let total = -1;
    await withApiRetry(
      async () => {
        for await (const page of this.o.api.streamDatasetRows({
          jobId: session.jobId,
          attempt: session.attempt,
          role,
          offset: rows.length,
        })) {
          if (page.firstIndex !== rows.length) {
            throw new JobFailure(
              status.INTERNAL,
              `dataset stream jumped from row ${rows.length} to ${page.firstIndex}`,
            );
          }
          for (const r of page.rows)
            rows.push(
              r.id
                ? { prompt: r.prompt, answer: r.answer, id: r.id }
                : { prompt: r.prompt, answer: r.answer },
            );
          total = page.totalRows;
        }
      },
      { ...this.o.apiRetry },
    );
    if (rows.length === 0)
      throw new JobFailure(status.FAILED_PRECONDITION, `the ${roleName(role)} dataset has no rows`);
    if (total >= 0 && rows.length !== total) {
      throw new JobFailure(
        status.INTERNAL,
        `the ${roleName(role)} dataset stream ended at ${rows.length} of ${total} rows`,
      );
    }
    return rows;
  }

  /** Fails early when gold answers cannot be parsed by the job's grader (null grade). */
  private async checkGradable(rows: Example[], spec: GraderSpec, name: string): Promise<void> {
    if (rows.length === 0) return;
    const results = await this.o.grader.gradeBatch(
      rows.map((r) => ({ pred: r.answer, gold: r.answer, spec })),
    );
    const bad: number[] = [];
    results.forEach((r, i) => {
      if (r === null) bad.push(i + 1);
    });
    if (bad.length > 0) {
      throw new JobFailure(
        status.FAILED_PRECONDITION,
        `${bad.length} of ${rows.length} ${name} rows have a gold answer the grader cannot parse (rows ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', ...' : ''})`,
      );
    }
  }
}

function roleName(role: executorV1.DatasetRole): string {
  return role === executorV1.DatasetRole.DATASET_ROLE_VALIDATION ? 'validation' : 'training';
}

/** The step's result, or ABANDON when a stop was requested and the step outran the grace period. */
async function raceGrace<T>(p: Promise<T>, stop: AbortSignal, graceMs: number): Promise<T | typeof ABANDON> {
  let timer: NodeJS.Timeout | undefined;
  let onStop: (() => void) | undefined;
  const grace = new Promise<typeof ABANDON>((resolve) => {
    onStop = () => {
      timer = setTimeout(() => resolve(ABANDON), graceMs);
    };
    if (stop.aborted) onStop();
    else stop.addEventListener('abort', onStop, { once: true });
  });
  try {
    return await Promise.race([p, grace]);
  } finally {
    if (timer) clearTimeout(timer);
    if (onStop) stop.removeEventListener('abort', onStop);
    // An abandoned step may still fail later; nobody waits for it.
    p.catch(() => undefined);
  }
}
