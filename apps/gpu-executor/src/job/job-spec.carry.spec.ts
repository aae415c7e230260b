/**
 * What the trainer and the engine run equals what the API stored, field by field, for every field of
 * the contract. The stored spec is built by the API's own create-time function (applySpecDefaults)
 * from a minimal and from full specs; the executor's mapping gives libs/aepo's AlgorithmConfig, the
 * engine's Load options and the grader. The fields are walked from the proto descriptor: a JobSpec
 * field added without being carried here (or listed with its consumer) fails the first test.
 */
import type { AlgorithmConfig } from '@aepo/aepo';
import { applySpecDefaults, ControlVariable, jobSpecLeaves, type JobSpec } from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import type { EngineModelOptions } from '../engine/engine.port.js';
import { fullSpec, MINIMAL_SPEC } from '../testing/job-specs.js';
import {
  checkpointEvery,
  checkpointKeepLast,
  exportsMergedModel,
  toAlgorithmConfig,
  toEngineModelOptions,
  toGraderSpec,
} from './job-spec.mapper.js';

interface Received {
  config: AlgorithmConfig;
  engine: EngineModelOptions;
}
/** [stored value, value received] for one leaf; undefined when the spec does not set it. */
type Carry = (s: JobSpec, r: Received) => [unknown, unknown] | undefined;

const ALGORITHMS = { ALGORITHM_AEPO: 'aepo', ALGORITHM_GRPO: 'grpo' } as Record<string, string>;
const ESTIMATORS = {
  ENTROPY_ESTIMATOR_FULL_VOCAB: 'full-vocabulary',
  ENTROPY_ESTIMATOR_SAMPLED_TOKEN: 'sampled-token',
};
const MODES = {
  CONTROLLER_KIND_DUAL: 'dual',
  CONTROLLER_KIND_BANG_BANG: 'bang-bang',
  CONTROLLER_KIND_PROPORTIONAL: 'pi',
};
const AGGREGATIONS = {
  LOSS_AGGREGATION_TOKEN_MEAN: 'token-mean',
  LOSS_AGGREGATION_SEQ_MEAN_TOKEN_SUM: 'seq-mean-token-sum',
};
const PRECISIONS = { PRECISION_UNSPECIFIED: '', PRECISION_BF16_MIXED: 'bf16-mixed' };
const sched = (s: JobSpec) => s.entropyTarget?.schedule;
const target = (r: Received) => r.config.entropy.target as unknown as Record<string, unknown>;
const o = (s: JobSpec) => s.optimization!;
const a = (s: JobSpec) => s.aepo!;
const c = (s: JobSpec) => s.aepo!.controller!;
const lora = (s: JobSpec) => s.model!.adapter;

/** Every leaf the trainer or the engine receives, with where it lands. */
const CARRIED: Record<string, Carry> = {
  algorithm: (s, r) => [ALGORITHMS[s.algorithm], r.config.algorithm],
  'entropy_target.constant': (s, r) =>
    s.entropyTarget?.constant === undefined ? undefined : [s.entropyTarget.constant, target(r).value],
  'entropy_target.schedule.kind': (s, r) => sched(s) && ['linear', target(r).kind],
  'entropy_target.schedule.start_value': (s, r) => sched(s) && [sched(s)!.startValue, target(r).from],
  'entropy_target.schedule.end_value': (s, r) => sched(s) && [sched(s)!.endValue, target(r).to],
  'entropy_target.schedule.start_step': (s, r) => sched(s) && [sched(s)!.startStep, target(r).startStep],
  'entropy_target.schedule.end_step': (s, r) => sched(s) && [sched(s)!.endStep, target(r).endStep],
  'entropy_target.schedule.points': (s) => sched(s) && [sched(s)!.points, []],
  'entropy_target.tolerance': (s, r) => [s.entropyTarget!.tolerance, r.config.entropy.bandAbsolute],
  'entropy_target.estimator': (s, r) => [
    (ESTIMATORS as Record<string, string>)[s.entropyTarget!.estimator],
    r.config.entropy.estimator,
  ],
  'aepo.t_high': (s, r) => [a(s).tHigh, r.config.aepo.tHigh],
  'aepo.t_low': (s, r) => [a(s).tLow, r.config.aepo.tLow],
  'aepo.resample_fraction': (s, r) => [a(s).resampleFraction, r.config.aepo.resampleFraction],
  'aepo.reinforce_count': (s, r) =>
    a(s).reinforceCount === undefined
      ? undefined
      : [{ kind: 'count', count: a(s).reinforceCount }, r.config.aepo.share],
  'aepo.reinforce_fraction': (s, r) =>
    a(s).reinforceFraction === undefined
      ? undefined
      : [{ kind: 'fraction', fraction: a(s).reinforceFraction }, r.config.aepo.share],
  'aepo.halve_above_target': (s, r) => [a(s).halveAboveTarget, r.config.aepo.halveAboveTarget],
  'aepo.positive_threshold': (s, r) => [a(s).positiveThreshold, r.config.aepo.positiveThreshold],
  'aepo.controller.kind': (s, r) => [
    (MODES as Record<string, string>)[c(s).kind],
    r.config.aepo.controller.mode,
  ],
  'aepo.controller.variable': (s, r) => [
    c(s).variable === ControlVariable.CONTROL_VARIABLE_SHARE ? 'share' : 'temperature',
    r.config.aepo.controller.actuator,
  ],
  'aepo.controller.proportional_gain': (s, r) => [c(s).proportionalGain, r.config.aepo.controller.kp],
  'aepo.controller.integral_gain': (s, r) => [c(s).integralGain, r.config.aepo.controller.ki],
  'aepo.controller.entropy_coef_gain': (s, r) => [c(s).entropyCoefGain, r.config.aepo.controller.coefGain],
  'aepo.controller.entropy_coef_max_step': (s, r) => [
    c(s).entropyCoefMaxStep,
    r.config.aepo.controller.coefMaxStep,
  ],
  'aepo.controller.entropy_coef_limit': (s, r) => [c(s).entropyCoefLimit, r.config.aepo.controller.coefLimit],
  'aepo.controller.entropy_coef_deadband': (s, r) => [
    c(s).entropyCoefDeadband,
    r.config.aepo.controller.coefDeadband,
  ],
  'rollout.prompts_per_step': (s, r) => [s.rollout!.promptsPerStep, r.config.rollout.promptsPerStep],
  'rollout.samples_per_prompt': (s, r) => [s.rollout!.samplesPerPrompt, r.config.rollout.samplesPerPrompt],
  'rollout.max_tokens': (s, r) => [s.rollout!.maxTokens, r.config.rollout.maxTokens],
  'rollout.top_p': (s, r) => [s.rollout!.topP, r.config.rollout.topP],
  'rollout.temperature': (s, r) => [s.rollout!.temperature, r.config.rollout.temperature],
  'rollout.stop': (s, r) => [s.rollout!.stop, r.config.rollout.stop],
  'optimization.learning_rate': (s, r) => [o(s).learningRate, r.config.optim.lr],
  'optimization.weight_decay': (s, r) => [o(s).weightDecay, r.config.optim.weightDecay],
  'optimization.grad_clip': (s, r) => [o(s).gradClip, r.config.optim.gradClip],
  'optimization.clip_ratio_low': (s, r) => [o(s).clipRatioLow, r.config.optim.clipLow],
  'optimization.clip_ratio_high': (s, r) => [o(s).clipRatioHigh, r.config.optim.clipHigh],
  'optimization.dual_clip': (s, r) => [o(s).dualClip, r.config.optim.dualClip],
  'optimization.loss_aggregation': (s, r) => [
    (AGGREGATIONS as Record<string, string>)[o(s).lossAggregation],
    r.config.optim.lossAggregation,
  ],
  'optimization.mini_batch_prompts': (s, r) => [
    o(s).miniBatchPrompts! * s.rollout!.samplesPerPrompt!,
    r.config.optim.miniBatchSize,
  ],
  'optimization.epochs_per_rollout': (s, r) => [o(s).epochsPerRollout, r.config.optim.epochs],
  'optimization.kl_coef': (s, r) => [o(s).klCoef, r.config.optim.klCoef],
  'optimization.max_steps': (s, r) => [o(s).maxSteps, r.config.maxSteps],
  'optimization.seed': (s, r) => [o(s).seed, r.config.seed],
  'optimization.adam_beta1': (s, r) => [o(s).adamBeta1, r.engine.adam.beta1],
  'optimization.adam_beta2': (s, r) => [o(s).adamBeta2, r.engine.adam.beta2],
  'optimization.adam_eps': (s, r) => [o(s).adamEps, r.engine.adam.eps],
  'entropy_reg.coef': (s, r) => [s.entropyReg!.coef, r.config.entropyRegCoef],
  'entropy_adv.alpha': (s, r) => [s.entropyAdv!.alpha, r.config.entropyAdvAlpha],
  'entropy_adv.kappa': (s, r) => [s.entropyAdv!.kappa, r.config.entropyAdvKappa],
  grader: (s) => [
    s.grader?.numeric ? { kind: 'numeric', relTol: 0.01 } : { kind: 'math' },
    toGraderSpec(s.grader),
  ],
  'validation.every_n_steps': (s, r) => [s.validation!.everyNSteps, r.config.validation.everySteps],
  'validation.temperature': (s, r) => [s.validation!.temperature, r.config.validation.temperature],
  'validation.k': (s, r) => [s.validation!.k, r.config.validation.samplesPerPrompt],
  'validation.max_prompts': (s, r) => [s.validation!.maxPrompts, r.config.validation.maxPrompts],
  'checkpoint.every_n_steps': (s) => [s.checkpoint!.everyNSteps, checkpointEvery(s)],
  'checkpoint.keep_last': (s) => [s.checkpoint!.keepLast, checkpointKeepLast(s)],
  'model.precision': (s, r) => [
    (PRECISIONS as Record<string, string>)[s.model!.precision],
    r.engine.precision,
  ],
  'model.max_tokens_per_micro_batch': (s, r) => [
    s.model!.maxTokensPerMicroBatch,
    r.engine.maxTokensPerMicroBatch,
  ],
  'model.gradient_checkpointing': (s, r) => [s.model!.gradientCheckpointing, r.engine.gradientCheckpointing],
  'model.chat_template': (s, r) => [s.model!.chatTemplate, r.engine.chatTemplate],
  'model.adapter.rank': (s, r) => lora(s) && [lora(s)!.rank, r.engine.lora?.rank],
  'model.adapter.alpha': (s, r) => lora(s) && [lora(s)!.alpha, r.engine.lora?.alpha],
  'model.adapter.dropout': (s, r) => lora(s) && [lora(s)!.dropout, r.engine.lora?.dropout],
  'model.adapter.target_modules': (s, r) => lora(s) && [lora(s)!.targetModules, r.engine.lora?.targetModules],
  'model.adapter.export_merged': (s) => lora(s) && [lora(s)!.exportMerged, exportsMergedModel(s)],
};

/** Leaves no trainer or engine setting carries, and who reads them instead. */
const READ_ELSEWHERE: Record<string, string> = {
  base_model: "the runner loads it by name (Load's model)",
  training_dataset: "the runner's dataset loader",
  validation_dataset: "the runner's dataset loader (and validation.every_n_steps' gate)",
  labels: 'the API (ListJobs filters)',
  'mlflow.tracking_uri': "the API's MLflow tracker",
  'mlflow.experiment_name': "the API's MLflow tracker",
  'mlflow.registered_model_name': "the API's MLflow tracker",
};

describe('the spec the engine runs is the spec the API stored', () => {
  it('knows where every field of the contract goes', () => {
    const unaccounted = jobSpecLeaves()
      .map((l) => l.path)
      .filter((p) => !(p in CARRIED) && !(p in READ_ELSEWHERE));
    expect(unaccounted).toEqual([]);
  });

  it.each([
    ['minimal', MINIMAL_SPEC],
    ['full, constant target and count', fullSpec(false)],
    ['full, ramp and fraction', fullSpec(true)],
  ])('carries every field of a %s spec', (_name, spec) => {
    const stored = applySpecDefaults(spec, () => 5);
    const received: Received = { config: toAlgorithmConfig(stored), engine: toEngineModelOptions(stored) };
    let compared = 0;
    for (const leaf of jobSpecLeaves()) {
      const pair = CARRIED[leaf.path]?.(stored, received);
      if (!pair) continue;
      expect(pair[1], leaf.path).toEqual(pair[0]);
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });
});
