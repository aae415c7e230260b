/**
 * The job's hold on the engine: loads the model (retrying a transient failure, failing the job on a
 * permanent one), restores a checkpoint into it, knows whether the engine process restarted since
 * (its weights and optimizer are then gone), and keeps the token budget the model runs with.
 */
import type { AlgorithmConfig } from '@aepo/aepo';
import type { JobSpec } from '@aepo/contracts';
import { status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { EngineLoadRequest, EngineModelOptions, ExecutorEngine } from '../engine/engine.port.js';
import { EngineTimer } from '../engine/engine-timer.js';
import { JobFailure, errorMessage, isPermanentEngineError } from './job-errors.js';
import { exportsMergedModel, toEngineModelOptions } from './job-spec.mapper.js';

/** The engine as the runner sees it (EngineSupervisor). */
/** The engine's Load for a job: its model, the trainer's optimizer values and its model options. */
export function engineLoadRequest(
  spec: JobSpec,
  config: AlgorithmConfig,
  options: EngineModelOptions,
): EngineLoadRequest {
  return {
    model: spec.baseModel,
    seed: config.seed,
    lr: config.optim.lr,
    weightDecay: config.optim.weightDecay,
    gradClip: config.optim.gradClip,
    klCoef: config.optim.klCoef,
    options,
  };
}

export interface EngineHandle {
  readonly client: ExecutorEngine;
  /** Bumped by every engine (re)start: its memory is gone. */
  readonly generation: number;
  ensureHealthy(): Promise<void>;
}

export interface EngineSessionOptions {
  engine: EngineHandle;
  spec: JobSpec;
  /** Seed and optimizer settings of the Load (the entropy target does not reach the engine's Load). */
  config: AlgorithmConfig;
  /** Failed Loads retried before the job fails. */
  loadRetries: number;
  log: Logger;
}

export class EngineSession {
  /** The engine as the trainer sees it, timing the engine's own compute. */
  readonly timer: EngineTimer;
  private loadedGeneration = -1;
  /** Token budget the engine was loaded with (JobSpec.model's or the engine's default). */
  private budget = 0;
  /** Set once after an out-of-memory: the halved budget every later Load uses. */
  private reducedBudget: number | null = null;

  constructor(private readonly o: EngineSessionOptions) {
    this.timer = new EngineTimer(o.engine.client);
  }

  get tokenBudget(): number {
    return this.budget;
  }

  get budgetReduced(): boolean {
    return this.reducedBudget !== null;
  }

  /** Every later Load uses this budget (after an out-of-memory). */
  reduceTokenBudget(budget: number): void {
    this.reducedBudget = budget;
  }

  /** True when the engine process is not the one this job loaded (a crash or restart since). */
  get restarted(): boolean {
    return this.o.engine.generation !== this.loadedGeneration;
  }

  /** Waits for a healthy engine; answers whether it is a new process since the last Load. */
  async waitHealthy(): Promise<boolean> {
    await this.o.engine.ensureHealthy();
    return this.restarted;
  }

  /** Loads the model, then the checkpoint in `checkpointDir` when given. */
  async load(checkpointDir: string | null): Promise<void> {
    const { spec, config } = this.o;
    for (let attempt = 0; ; attempt++) {
      await this.o.engine.ensureHealthy();
      const generation = this.o.engine.generation;
      try {
        const options = this.modelOptions();
        const loaded = await this.o.engine.client.load(engineLoadRequest(spec, config, options));
        this.budget = loaded?.model?.maxTokensPerMicroBatch ?? options.maxTokensPerMicroBatch;
        if (checkpointDir) await this.o.engine.client.loadCheckpoint(checkpointDir);
        this.loadedGeneration = generation;
        return;
      } catch (e) {
        if (isPermanentEngineError(e)) {
          throw new JobFailure(
            status.FAILED_PRECONDITION,
            `engine cannot ${checkpointDir ? `restore checkpoint ${checkpointDir} of` : 'load'} model ${spec.baseModel}: ${errorMessage(e)}`,
          );
        }
        if (attempt >= this.o.loadRetries) {
          throw new JobFailure(
            status.UNAVAILABLE,
            `engine failed to load ${spec.baseModel} ${attempt + 1} times: ${errorMessage(e)}`,
          );
        }
        this.o.log.warn({ err: errorMessage(e), attempt }, 'engine load failed; retrying');
      }
    }
  }

  /** Writes the engine's checkpoint into `dir`; the final one of a LoRA job with export_merged also holds the merged model. */
  saveCheckpoint(dir: string, final: boolean): Promise<unknown> {
    return this.o.engine.client.saveCheckpoint(dir, {
      mergeAdapter: final && exportsMergedModel(this.o.spec),
    });
  }

  private modelOptions(): EngineModelOptions {
    const options = toEngineModelOptions(this.o.spec);
    if (this.reducedBudget !== null) options.maxTokensPerMicroBatch = this.reducedBudget;
    return options;
  }
}
