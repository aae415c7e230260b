/**
 * Wires the parts that run one lease, each given only what it needs: the engine session, the
 * trainer, the checkpoints, the recovery paths over them, and the step loop that drives them.
 * Nothing is loaded yet: the caller adopts the lease's resume point and calls `recovery.resume()`.
 */
import type { AlgorithmConfig } from '@aepo/aepo';
import type { JobSpec } from '@aepo/contracts';
import type { Logger } from 'pino';
import type { CheckpointBackend } from '../checkpoint/checkpoint.store.js';
import type { MetricsReporter } from '../metrics/metrics.reporter.js';
import { CheckpointCoordinator } from './checkpoint-coordinator.js';
import type { JobData } from './dataset-loader.js';
import { type EngineHandle, EngineSession } from './engine-session.js';
import { checkpointEvery } from './job-spec.mapper.js';
import { JobTraining } from './job-training.js';
import type { LeaseSession } from './lease-session.js';
import { Recovery } from './recovery.js';
import { StepLoop } from './step-loop.js';

export interface LeasePartsInput {
  spec: JobSpec;
  config: AlgorithmConfig;
  /** Target revision of the lease (the one `config` was built with). */
  targetRevision: number;
  data: JobData;
  session: LeaseSession;
  engine: EngineHandle;
  store: CheckpointBackend;
  metrics: MetricsReporter;
  log: Logger;
  stepRetries: number;
  shutdownGraceMs: number;
  checkpointOnCancel: boolean;
  maxNonFiniteSteps: number;
}

export function assembleLeaseParts(i: LeasePartsInput) {
  const { spec, config, session, store, metrics, log, stepRetries } = i;
  const engine = new EngineSession({ engine: i.engine, spec, config, loadRetries: stepRetries, log });
  const training = new JobTraining({
    spec,
    config,
    revision: i.targetRevision,
    data: i.data,
    engine: engine.timer,
    log,
  });
  const checkpoints = new CheckpointCoordinator({ store, session, engine, spec, metrics, log });
  const recovery = new Recovery({
    engine,
    checkpoints,
    training,
    session,
    stepRetries,
    shutdownGraceMs: i.shutdownGraceMs,
    log,
  });
  const loop = new StepLoop({
    session,
    training,
    engine,
    checkpoints,
    recovery,
    metrics,
    log,
    checkpointEvery: checkpointEvery(spec),
    checkpointOnCancel: i.checkpointOnCancel,
    maxNonFiniteSteps: i.maxNonFiniteSteps,
  });
  return { engine, training, checkpoints, recovery, loop };
}
