/**
 * The training loop of one job: GRPO, Entropy-Reg, Entropy-Adv or AEPO, one step per call, against
 * the PolicyEngine / RewardFn / DatasetSampler interfaces. The trainer has no I/O of its own, no
 * timers and no hidden randomness: every random choice is seeded by (config.seed, step, purpose), so
 * `state()` + the engine's checkpoint restore a run exactly.
 *
 * AEPO step (arXiv 2510.08141, reference code's fit()):
 *   1. T from the previous step's on-policy entropy (controller.ts)
 *   2. ONE Sample call: B prompts x n at T=1, plus the first ceil-rounded B*f of them x n at T
 *   3. rewards; GRPO advantages of the T=1 groups
 *   4. positives of the re-samples (advantage > threshold within their own groups) -> advantage 1;
 *      k = min(share, positives) (halved above target); k random GRPO items replaced; shuffled
 *   5. Train (old log-probs at T=1, PPO clip, no importance weight on re-samples)
 *   6. entropy of the T=1 samples -> next step's decision; unreachable-target detection
 */
import type { AlgorithmConfig } from './config.js';
import { type ControllerDecision, decideTemperature, targetBand } from './controller.js';
import type { Completion, DatasetSampler, Example, PolicyEngine, RewardFn, SamplerCursor } from './ports.js';
import type { EvaluationRecord, StepRecord, TrainerEvent } from './records.js';
import { assessReach } from './reach.js';
import { deriveSeed } from './rng.js';
import { ShuffledDatasetSampler } from './sampler.js';
import { type TargetSchedule, targetAt, validateSchedule } from './schedule.js';
import { composeStepBatch, lossSettings } from './trainer-batch.js';
import { buildStepRecord, measureEntropy } from './trainer-record.js';
import { type TrainerState, initialTrainerState, restoreTrainerState } from './trainer-state.js';
import { isCorrect } from './trainer-stats.js';
import { runValidation } from './trainer-validation.js';

export type { TrainerState } from './trainer-state.js';

export interface TrainerOptions {
  config: AlgorithmConfig;
  engine: PolicyEngine;
  reward: RewardFn;
  /** The training set; the trainer draws from it with a seeded per-epoch shuffle (ShuffledDatasetSampler). */
  trainSet?: readonly Example[];
  /** Alternatively, a sampler factory resuming from a cursor. */
  createSampler?: (cursor: SamplerCursor) => DatasetSampler;
  /** Validation set; no validation without one. */
  validationSet?: readonly Example[];
  /** Restore from a checkpointed state (the engine must be restored to the same step by the caller). */
  state?: TrainerState;
  /** Milliseconds clock for phase timings. Default performance.now. */
  now?: () => number;
}

export interface StepOutcome {
  record: StepRecord;
  /** Present when validation ran after this step. */
  evaluation?: EvaluationRecord;
  /** Events raised by this step (also passed to onEvent in run()). */
  events: TrainerEvent[];
}

export class Trainer {
  readonly config: AlgorithmConfig;
  private readonly engine: PolicyEngine;
  private readonly reward: RewardFn;
  private readonly sampler: DatasetSampler;
  private readonly validationSet: readonly Example[];
  private readonly now: () => number;
  private st: TrainerState;
  private pendingEvents: TrainerEvent[] = [];

  constructor(opts: TrainerOptions) {
    this.config = opts.config;
    this.engine = opts.engine;
    this.reward = opts.reward;
    this.validationSet = opts.validationSet ?? [];
    this.now = opts.now ?? (() => performance.now());
    this.st = opts.state
      ? restoreTrainerState(opts.state, this.config.seed)
      : initialTrainerState(this.config.seed);
    if (opts.createSampler) this.sampler = opts.createSampler(this.st.sampler);
    else if (opts.trainSet)
      this.sampler = new ShuffledDatasetSampler(
        opts.trainSet,
        deriveSeed(this.config.seed, 'dataset'),
        this.st.sampler,
      );
    else throw new Error('Trainer needs trainSet or createSampler');
  }

  /** Total steps of the run: maxSteps, or epochs x ceil(|train set| / B). */
  get totalSteps(): number {
    if (this.config.maxSteps > 0) return this.config.maxSteps;
    return this.config.epochs * Math.ceil(this.sampler.size / this.config.rollout.promptsPerStep);
  }

  /** Steps completed. */
  get step(): number {
    return this.st.step;
  }

  get done(): boolean {
    return this.st.step >= this.totalSteps;
  }

  /** A deep copy of the state to checkpoint (together with the engine's checkpoint of the same step). */
  state(): TrainerState {
    return structuredClone(this.st);
  }

  /** H* at a step under the current schedule (the live one, if changed). */
  targetAt(step: number): number {
    const o = this.st.targetOverride;
    return targetAt(o && step >= o.fromStep ? o.schedule : this.config.entropy.target, step);
  }

  /**
   * Live target change: `schedule` (in absolute step numbers) applies from the next step on.
   * @throws Error listing the schedule's problems.
   */
  setTarget(schedule: TargetSchedule): TrainerEvent {
    const problems = validateSchedule(schedule, 'target');
    if (problems.length > 0) throw new Error(`invalid target schedule: ${problems.join('; ')}`);
    const fromStep = this.st.step + 1;
    this.st.targetOverride = { fromStep, schedule: structuredClone(schedule) };
    // The integral term belongs to the old target's errors. lambda (the second actuator's operating
    // point) carries over; the 'dual' controller sees the jump of H* at the next step and follows it
    // (retarget.ts), as it does a schedule's step.
    this.st.controller = { ...this.st.controller, integral: 0 };
    this.st.reach = { ...this.st.reach, missedSteps: 0, costlySteps: 0 };
    const event: TrainerEvent = {
      kind: 'target-changed',
      step: this.st.step,
      fromStep,
      schedule: structuredClone(schedule),
      message: `entropy target changed; applies from step ${fromStep} (H* = ${this.targetAt(fromStep).toFixed(4)})`,
    };
    this.pendingEvents.push(event);
    return event;
  }

  /**
   * Runs steps until done or the signal aborts (checked between steps, so the state stays
   * consistent). Returns the steps run.
   */
  async run(
    opts: { signal?: AbortSignal; onStep?: (o: StepOutcome) => void | Promise<void> } = {},
  ): Promise<number> {
    let ran = 0;
    while (!this.done && !opts.signal?.aborted) {
      const outcome = await this.stepOnce();
      ran++;
      await opts.onStep?.(outcome);
    }
    return ran;
  }

  /** One training step (plus validation when due). */
  async stepOnce(): Promise<StepOutcome> {
    if (this.done) throw new Error(`run is complete (${this.totalSteps} steps)`);
    const cfg = this.config;
    const s = this.st.step + 1;
    const aepo = cfg.algorithm === 'aepo';
    const B = cfg.rollout.promptsPerStep;
    const target = this.targetAt(s);
    const band = targetBand(target, cfg.entropy.bandRelative, cfg.entropy.bandAbsolute);
    const t0 = this.now();

    const prompts = this.sampler.next(B);
    const { decision, state: controllerState } = aepo
      ? decideTemperature(cfg.aepo, target, this.st.lastEntropy, this.st.controller)
      : { decision: null, state: this.st.controller };
    const R = aepo ? Math.round(B * cfg.aepo.resampleFraction) : 0;
    const groups = await this.sampleGroups(s, prompts, R, decision);
    const t1 = this.now();
    const rewards_P_G = await this.scoreGroups(groups, prompts);
    const t2 = this.now();

    const batch = composeStepBatch({ config: cfg, step: s, groups, rewards: rewards_P_G, decision });
    if (batch.release.length > 0) await this.engine.release(batch.release);
    const trained = await this.engine.train({
      items: batch.items.map(({ rolloutId, advantage }) => ({ rolloutId, advantage })),
      loss: lossSettings(cfg, deriveSeed(cfg.seed, s, 'train'), decision?.entropyCoef ?? 0),
    });
    const t3 = this.now();

    const onPolicyRewards = rewards_P_G.slice(0, B);
    const entropy = measureEntropy(groups.slice(0, B).flat(), cfg.entropy.estimator);
    const events = this.pendingEvents;
    this.pendingEvents = [];
    const mainScores = onPolicyRewards.flat();
    const accuracy = mainScores.filter(isCorrect).length / mainScores.length;
    if (aepo && decision) {
      const reach = assessReach(
        { afterSteps: cfg.entropy.unreachableAfterSteps, accuracyDrop: cfg.entropy.unreachableAccuracyDrop },
        this.st.reach,
        {
          step: s,
          target,
          entropy: entropy.value,
          band,
          accuracy,
          saturation: decision.saturation,
          closing: decision.closing,
        },
      );
      this.st.reach = reach.state;
      events.push(...reach.events);
    }
    const record = buildStepRecord({
      config: cfg,
      step: s,
      epoch: this.sampler.cursor().epoch,
      target,
      band,
      decision,
      resampledPrompts: R,
      batch,
      groups,
      onPolicyRewards,
      entropy,
      accuracy,
      trained,
      timings: {
        sample: (t1 - t0) / 1000,
        reward: (t2 - t1) / 1000,
        train: (t3 - t2) / 1000,
        total: (t3 - t0) / 1000,
      },
      reach: this.st.reach,
    });

    this.st.step = s;
    this.st.lastEntropy = entropy.value;
    this.st.controller = controllerState;
    this.st.sampler = this.sampler.cursor();

    const v = cfg.validation;
    const due = (v.everySteps > 0 && s % v.everySteps === 0) || (v.atEnd && s === this.totalSteps);
    const evaluation = due && this.validationSet.length > 0 ? await this.validate() : undefined;
    return evaluation ? { record, evaluation, events } : { record, events };
  }

  /**
   * Validation pass on the validation set at the configured temperature, k samples per prompt:
   * pass@1 and unbiased pass@k. Does not change the trainer's state (seeded by the step).
   */
  validate(): Promise<EvaluationRecord> {
    return runValidation({
      config: this.config,
      engine: this.engine,
      reward: this.reward,
      validationSet: this.validationSet,
      step: this.st.step,
      now: this.now,
    });
  }

  /**
   * The step's one Sample call: the B prompts x n at T = 1, then the first `resampled` of them x n at
   * the decision's temperature (AEPO). Holds the rollouts for Train.
   */
  private async sampleGroups(
    step: number,
    prompts: readonly Example[],
    resampled: number,
    decision: ControllerDecision | null,
  ): Promise<Completion[][]> {
    const cfg = this.config;
    const n = cfg.rollout.samplesPerPrompt;
    const groups = prompts.map((p) => ({ prompt: p.prompt, n, temperature: cfg.rollout.temperature }));
    for (let i = 0; i < resampled; i++)
      groups.push({ prompt: prompts[i]!.prompt, n, temperature: decision!.temperature });
    const sampled = await this.engine.sample({
      groups,
      topP: cfg.rollout.topP,
      maxTokens: cfg.rollout.maxTokens,
      stop: cfg.rollout.stop,
      seed: deriveSeed(cfg.seed, step, 'sample'),
      keepRollouts: true,
    });
    if (sampled.groups.length !== groups.length || sampled.groups.some((g) => g.length !== n)) {
      throw new Error(
        `engine returned ${sampled.groups.length} groups for ${groups.length} requested with n=${n}`,
      );
    }
    return sampled.groups;
  }

  /** The rewards of every sampled completion, one list per group (a re-sample scores against its prompt). */
  private async scoreGroups(groups: Completion[][], prompts: readonly Example[]): Promise<number[][]> {
    const B = this.config.rollout.promptsPerStep;
    const n = this.config.rollout.samplesPerPrompt;
    const flat = groups.flatMap((g, gi) => g.map((c) => ({ c, example: prompts[gi < B ? gi : gi - B]! })));
    const scores = await this.reward(
      flat.map(({ c, example }) => ({ prompt: example.prompt, completion: c.text, answer: example.answer })),
    );
    if (scores.length !== flat.length)
      throw new Error(`reward returned ${scores.length} scores for ${flat.length} items`);
    return groups.map((_, gi) => scores.slice(gi * n, gi * n + n));
  }
}
