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
import { groupAdvantages, isZeroVarianceGroup } from './advantages.js';
import type { AlgorithmConfig } from './config.js';
import {
  type ControllerState,
  INITIAL_CONTROLLER_STATE,
  completeControllerState,
  decideTemperature,
  targetBand,
} from './controller.js';
import { meanPassAtK } from './evaluation.js';
import type {
  DatasetSampler,
  Example,
  LossSettings,
  PolicyEngine,
  RewardFn,
  SamplerCursor,
  Completion,
} from './ports.js';
import type { EvaluationRecord, StepRecord, TrainerEvent } from './records.js';
import {
  type BatchItem,
  choosePositives,
  composeBatch,
  reinforceCount,
  selectPositives,
  shareLimit,
} from './reinforce.js';
import { type ReachState, INITIAL_REACH_STATE, assessReach } from './reach.js';
import { deriveSeed } from './rng.js';
import { ShuffledDatasetSampler } from './sampler.js';
import { type TargetSchedule, targetAt, validateSchedule } from './schedule.js';

/** A reward at or above this counts as correct (full score) for accuracy. */
const CORRECT = 1 - 1e-9;

/** Everything needed to continue a run exactly; plain JSON. */
export interface TrainerState {
  version: 1;
  /** Steps completed. */
  step: number;
  /** The controller signal measured at the last step; null before the first. */
  lastEntropy: number | null;
  controller: ControllerState;
  sampler: SamplerCursor;
  /** The live target, when changed during the run: applies from `fromStep` on. */
  targetOverride: { fromStep: number; schedule: TargetSchedule } | null;
  /** The unreachable-target detector's memory. */
  reach: ReachState;
  /** config.seed at the start, checked on restore. */
  seed: number;
}

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
    if (opts.state) {
      if (opts.state.version !== 1)
        throw new Error(`unsupported trainer state version ${String(opts.state.version)}`);
      if (opts.state.seed !== this.config.seed) {
        throw new Error(
          `trainer state was made with seed ${opts.state.seed}, config has ${this.config.seed}`,
        );
      }
    }
    this.st = opts.state
      ? {
          ...structuredClone(opts.state),
          controller: completeControllerState(opts.state.controller),
          reach: completeReachState(opts.state),
        }
      : {
          version: 1,
          step: 0,
          lastEntropy: null,
          controller: { ...INITIAL_CONTROLLER_STATE },
          sampler: { epoch: 0, index: 0 },
          targetOverride: null,
          reach: { ...INITIAL_REACH_STATE },
          seed: this.config.seed,
        };
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
    // The integral term belongs to the old target's errors; lambda (the second actuator's operating
    // point) carries over and moves on from there.
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
    const seed = cfg.seed;
    const aepo = cfg.algorithm === 'aepo';
    const B = cfg.rollout.promptsPerStep;
    const n = cfg.rollout.samplesPerPrompt;
    const target = this.targetAt(s);
    const band = targetBand(target, cfg.entropy.bandRelative, cfg.entropy.bandAbsolute);
    const t0 = this.now();

    const prompts = this.sampler.next(B);
    const { decision, state: controllerState } = aepo
      ? decideTemperature(cfg.aepo, target, this.st.lastEntropy, this.st.controller)
      : { decision: null, state: this.st.controller };
    const R = aepo ? Math.round(B * cfg.aepo.resampleFraction) : 0;
    const groups = prompts.map((p) => ({ prompt: p.prompt, n, temperature: cfg.rollout.temperature }));
    for (let i = 0; i < R; i++)
      groups.push({ prompt: prompts[i]!.prompt, n, temperature: decision!.temperature });
    const sampled = await this.engine.sample({
      groups,
      topP: cfg.rollout.topP,
      maxTokens: cfg.rollout.maxTokens,
      stop: cfg.rollout.stop,
      seed: deriveSeed(seed, s, 'sample'),
      keepRollouts: true,
    });
    if (sampled.groups.length !== groups.length || sampled.groups.some((g) => g.length !== n)) {
      throw new Error(
        `engine returned ${sampled.groups.length} groups for ${groups.length} requested with n=${n}`,
      );
    }
    const t1 = this.now();

    const flat = sampled.groups.flatMap((g, gi) =>
      g.map((c) => ({ c, example: prompts[gi < B ? gi : gi - B]! })),
    );
    const scores = await this.reward(
      flat.map(({ c, example }) => ({ prompt: example.prompt, completion: c.text, answer: example.answer })),
    );
    if (scores.length !== flat.length)
      throw new Error(`reward returned ${scores.length} scores for ${flat.length} items`);
    const rewards_P_G = sampled.groups.map((_, gi) => scores.slice(gi * n, gi * n + n));
    const t2 = this.now();

    const main = sampled.groups.slice(0, B);
    const mainRewards = rewards_P_G.slice(0, B);
    const grpoItems: BatchItem[] = [];
    main.forEach((g, gi) => {
      const adv = groupAdvantages(mainRewards[gi]!, cfg.advantageEps);
      g.forEach((c, j) => grpoItems.push({ rolloutId: c.rolloutId, advantage: adv[j]!, source: 'grpo' }));
    });

    let batch: BatchItem[] = grpoItems;
    let positives = 0;
    let limit = 0;
    let k = 0;
    let release: string[] = [];
    let resampleAccuracy: number | null = null;
    if (aepo && decision) {
      const re = sampled.groups.slice(B);
      const reRewards = rewards_P_G.slice(B);
      const found = selectPositives(reRewards, cfg.aepo.positiveThreshold, cfg.advantageEps);
      positives = found.length;
      limit = shareLimit(cfg.aepo.share, B * n);
      k = reinforceCount({ limit, scale: decision.shareScale, positives, halve: decision.halve });
      const chosen = choosePositives(found, k, deriveSeed(seed, s, 'choose'));
      const chosenIds = chosen.map(({ group, member }) => re[group]![member]!.rolloutId);
      const composed = composeBatch(grpoItems, chosenIds, deriveSeed(seed, s, 'compose'));
      batch = composed.batch;
      const chosenSet = new Set(chosenIds);
      release = [
        ...composed.dropped,
        ...re
          .flat()
          .map((c) => c.rolloutId)
          .filter((id) => !chosenSet.has(id)),
      ];
      const reFlat = reRewards.flat();
      resampleAccuracy = reFlat.length > 0 ? reFlat.filter((r) => r >= CORRECT).length / reFlat.length : null;
    }
    if (release.length > 0) await this.engine.release(release);

    const trained = await this.engine.train({
      items: batch.map(({ rolloutId, advantage }) => ({ rolloutId, advantage })),
      loss: this.lossSettings(deriveSeed(seed, s, 'train'), decision?.entropyCoef ?? 0),
    });
    const t3 = this.now();

    const mainFlat = main.flat();
    const fullVocab = tokenMean(mainFlat, (c) => c.entropy);
    const sampledToken = tokenMean(mainFlat, (c) => c.negLogProb);
    const entropy = cfg.entropy.estimator === 'full-vocabulary' ? fullVocab : sampledToken;
    const inBand = entropy >= band.lower && entropy <= band.upper;

    const events = this.pendingEvents;
    this.pendingEvents = [];
    const mainScores = mainRewards.flat();
    const accuracy = mainScores.filter((r) => r >= CORRECT).length / mainScores.length;
    if (aepo && decision) {
      const reach = assessReach(
        { afterSteps: cfg.entropy.unreachableAfterSteps, accuracyDrop: cfg.entropy.unreachableAccuracyDrop },
        this.st.reach,
        {
          step: s,
          target,
          entropy,
          band,
          accuracy,
          saturation: decision.saturation,
          closing: decision.closing,
        },
      );
      this.st.reach = reach.state;
      events.push(...reach.events);
    }

    const rewardMean = mean(mainScores);
    const genTokens = sampled.groups.flat().reduce((a, c) => a + c.tokens, 0);
    const record: StepRecord = {
      step: s,
      epoch: this.sampler.cursor().epoch,
      algorithm: cfg.algorithm,
      entropy,
      estimator: cfg.entropy.estimator,
      entropyFullVocab: fullVocab,
      entropySampledToken: sampledToken,
      trainEntropy: trained.entropy,
      trainEntropySampled: trained.entropySampled,
      target,
      targetLower: band.lower,
      targetUpper: band.upper,
      inBand,
      temperature: decision ? decision.temperature : null,
      controllerError: decision ? decision.error : null,
      shareScale: decision ? decision.shareScale : null,
      entropyCoef: decision ? decision.entropyCoef : cfg.algorithm === 'entropy-reg' ? cfg.entropyRegCoef : 0,
      entropyClosing: decision ? decision.closing : null,
      resampledPrompts: R,
      reinforcePositives: positives,
      reinforceLimit: limit,
      reinforceSamples: k,
      resampleAccuracy,
      rewardMean,
      rewardStd: Math.sqrt(mean(mainScores.map((r) => (r - rewardMean) ** 2))),
      accuracy,
      zeroVarianceGroupFraction: mainRewards.filter(isZeroVarianceGroup).length / B,
      responseLengthMean: mean(mainFlat.map((c) => c.tokens)),
      truncatedFraction: mainFlat.filter((c) => c.finishReason === 'length').length / mainFlat.length,
      loss: trained.policyLoss,
      clipFractionLow: trained.clipFractionLow,
      clipFractionHigh: trained.clipFractionHigh,
      clipFractionDual: trained.clipFractionDual,
      approxKl: trained.approxKl,
      kl: trained.kl,
      gradNorm: trained.gradNorm,
      lr: trained.lr,
      generatedTokens: genTokens,
      trainedTokens: trained.tokens,
      timings: {
        sample: (t1 - t0) / 1000,
        reward: (t2 - t1) / 1000,
        train: (t3 - t2) / 1000,
        total: (t3 - t0) / 1000,
      },
      targetUnreachable: this.st.reach.reason !== null,
      unreachableSide: this.st.reach.side,
      unreachableReason: this.st.reach.reason,
      missedSteps: this.st.reach.missedSteps,
    };

    this.st.step = s;
    this.st.lastEntropy = entropy;
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
  async validate(): Promise<EvaluationRecord> {
    const v = this.config.validation;
    const t0 = this.now();
    const set = v.maxPrompts > 0 ? this.validationSet.slice(0, v.maxPrompts) : this.validationSet;
    const correct_P: number[] = [];
    const all: Completion[] = [];
    let total = 0;
    let correctTotal = 0;
    for (let start = 0, part = 0; start < set.length; start += v.batchPrompts, part++) {
      const chunk = set.slice(start, start + v.batchPrompts);
      const res = await this.engine.sample({
        groups: chunk.map((e) => ({ prompt: e.prompt, n: v.samplesPerPrompt, temperature: v.temperature })),
        topP: this.config.rollout.topP,
        maxTokens: this.config.rollout.maxTokens,
        stop: this.config.rollout.stop,
        seed: deriveSeed(this.config.seed, this.st.step, 'validate', part),
        keepRollouts: false,
      });
      const items = res.groups.flatMap((g, gi) =>
        g.map((c) => ({ prompt: chunk[gi]!.prompt, completion: c.text, answer: chunk[gi]!.answer })),
      );
      const scores = await this.reward(items);
      res.groups.forEach((g, gi) => {
        let c = 0;
        g.forEach((_, j) => {
          if (scores[gi * v.samplesPerPrompt + j]! >= CORRECT) c++;
        });
        correct_P.push(c);
        correctTotal += c;
        total += g.length;
        all.push(...g);
      });
    }
    const passAtK: Record<string, number> = {};
    for (const k of v.passK) passAtK[String(k)] = meanPassAtK(correct_P, v.samplesPerPrompt, k);
    return {
      step: this.st.step,
      temperature: v.temperature,
      prompts: set.length,
      samplesPerPrompt: v.samplesPerPrompt,
      accuracy: total > 0 ? correctTotal / total : 0,
      passAtK,
      entropy: tokenMean(all, (c) => c.entropy),
      responseLengthMean: mean(all.map((c) => c.tokens)),
      seconds: (this.now() - t0) / 1000,
    };
  }

  /** @param controlCoef the entropy coefficient chosen by AEPO's 'dual' controller (0 otherwise) */
  private lossSettings(shuffleSeed: number, controlCoef: number): LossSettings {
    const c = this.config;
    return {
      clipLow: c.optim.clipLow,
      clipHigh: c.optim.clipHigh,
      dualClip: c.optim.dualClip,
      aggregation: c.optim.lossAggregation,
      klCoef: c.optim.klCoef,
      entropyCoef: c.algorithm === 'entropy-reg' ? c.entropyRegCoef : controlCoef,
      entropyAdvAlpha: c.algorithm === 'entropy-adv' ? c.entropyAdvAlpha : 0,
      entropyAdvKappa: c.entropyAdvKappa,
      miniBatchSize: c.optim.miniBatchSize,
      microBatchSize: c.optim.microBatchSize,
      epochs: c.optim.epochs,
      shuffleSeed,
    };
  }
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Token-weighted mean of a per-completion mean (= the mean over all response tokens). */
function tokenMean(cs: readonly Completion[], f: (c: Completion) => number): number {
  let tokens = 0;
  let sum = 0;
  for (const c of cs) {
    tokens += c.tokens;
    sum += f(c) * c.tokens;
  }
  return tokens > 0 ? sum / tokens : 0;
}

/** The detector state of a checkpoint, also one written before `reach` existed (v1 kept two fields). */
function completeReachState(st: TrainerState): ReachState {
  const old = st as Partial<TrainerState> & {
    missedSteps?: number;
    unreachableSide?: 'below' | 'above' | null;
  };
  if (old.reach) return { ...INITIAL_REACH_STATE, ...old.reach };
  const side = old.unreachableSide ?? null;
  return {
    ...INITIAL_REACH_STATE,
    missedSteps: old.missedSteps ?? 0,
    side,
    reason: side === null ? null : 'actuator-saturated',
  };
}
