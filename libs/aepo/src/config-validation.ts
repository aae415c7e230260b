/** Validation of a complete algorithm config: every problem, as `field: message` strings. */
import {
  ALGORITHMS,
  type AlgorithmConfig,
  CONTROLLER_ACTUATORS,
  CONTROLLER_MODES,
  ENTROPY_ESTIMATORS,
  LOSS_AGGREGATIONS,
  type ReinforceShare,
} from './config.js';
import { validateSchedule } from './schedule.js';

/** Problems of a resolved config; empty when valid. */
export function validateConfig(c: AlgorithmConfig): string[] {
  const p: string[] = [];
  const num = (
    v: unknown,
    f: string,
    min: number,
    max = Infinity,
    opts: { int?: boolean; openMin?: boolean } = {},
  ) => {
    const bad =
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      (opts.openMin ? v <= min : v < min) ||
      v > max ||
      (opts.int === true && !Number.isInteger(v));
    if (bad) {
      const lo = opts.openMin ? `> ${min}` : `>= ${min}`;
      p.push(
        `${f}: must be ${opts.int ? 'an integer' : 'a number'} ${lo}${max < Infinity ? ` and <= ${max}` : ''}`,
      );
    }
  };
  const oneOf = (v: unknown, f: string, allowed: readonly string[]) => {
    if (!allowed.includes(v as string)) p.push(`${f}: must be one of ${allowed.join(', ')}`);
  };
  oneOf(c.algorithm, 'algorithm', ALGORITHMS);
  num(c.seed, 'seed', 0, Number.MAX_SAFE_INTEGER, { int: true });
  num(c.maxSteps, 'maxSteps', 0, Infinity, { int: true });
  num(c.epochs, 'epochs', 0, Infinity, { int: true });
  if (c.maxSteps === 0 && c.epochs === 0) p.push('maxSteps: either maxSteps or epochs must be > 0');
  num(c.rollout.promptsPerStep, 'rollout.promptsPerStep', 1, Infinity, { int: true });
  num(c.rollout.samplesPerPrompt, 'rollout.samplesPerPrompt', 1, Infinity, { int: true });
  num(c.rollout.maxTokens, 'rollout.maxTokens', 1, Infinity, { int: true });
  num(c.rollout.topP, 'rollout.topP', 0, 1, { openMin: true });
  num(c.rollout.temperature, 'rollout.temperature', 0, Infinity, { openMin: true });
  if (!Array.isArray(c.rollout.stop) || c.rollout.stop.some((s) => typeof s !== 'string' || s === '')) {
    p.push('rollout.stop: must be a list of non-empty strings');
  }
  num(c.optim.lr, 'optim.lr', 0, Infinity, { openMin: true });
  num(c.optim.weightDecay, 'optim.weightDecay', 0);
  num(c.optim.gradClip, 'optim.gradClip', 0);
  num(c.optim.clipLow, 'optim.clipLow', 0, 1);
  num(c.optim.clipHigh, 'optim.clipHigh', 0);
  num(c.optim.dualClip, 'optim.dualClip', 1);
  oneOf(c.optim.lossAggregation, 'optim.lossAggregation', LOSS_AGGREGATIONS);
  num(c.optim.klCoef, 'optim.klCoef', 0);
  num(c.optim.miniBatchSize, 'optim.miniBatchSize', 1, Infinity, { int: true });
  num(c.optim.microBatchSize, 'optim.microBatchSize', 0, Infinity, { int: true });
  num(c.optim.epochs, 'optim.epochs', 1, Infinity, { int: true });
  num(c.aepo.tHigh, 'aepo.tHigh', 0, Infinity, { openMin: true });
  num(c.aepo.tLow, 'aepo.tLow', 0, Infinity, { openMin: true });
  if (c.aepo.tLow > c.aepo.tHigh) p.push('aepo.tLow: must be <= aepo.tHigh');
  num(c.aepo.resampleFraction, 'aepo.resampleFraction', 0, 1);
  num(c.aepo.positiveThreshold, 'aepo.positiveThreshold', -Infinity);
  const share = c.aepo.share as ReinforceShare | undefined;
  if (share?.kind === 'count') num(share.count, 'aepo.share.count', 0, Infinity, { int: true });
  else if (share?.kind === 'fraction') num(share.fraction, 'aepo.share.fraction', 0, 1);
  else p.push('aepo.share.kind: must be one of count, fraction');
  oneOf(c.aepo.controller.mode, 'aepo.controller.mode', CONTROLLER_MODES);
  oneOf(c.aepo.controller.actuator, 'aepo.controller.actuator', CONTROLLER_ACTUATORS);
  num(c.aepo.controller.kp, 'aepo.controller.kp', 0);
  num(c.aepo.controller.ki, 'aepo.controller.ki', 0);
  num(c.aepo.controller.integralLimit, 'aepo.controller.integralLimit', 0);
  num(c.aepo.controller.tCenter, 'aepo.controller.tCenter', 0, Infinity, { openMin: true });
  num(c.aepo.controller.coefGain, 'aepo.controller.coefGain', 0);
  num(c.aepo.controller.coefMaxStep, 'aepo.controller.coefMaxStep', 0);
  num(c.aepo.controller.coefLimit, 'aepo.controller.coefLimit', 0, 10);
  num(c.aepo.controller.coefDeadband, 'aepo.controller.coefDeadband', 0, 1);
  num(c.aepo.controller.minProgress, 'aepo.controller.minProgress', 0);
  const follow = c.aepo.controller.follow;
  num(follow.threshold, 'aepo.controller.follow.threshold', 0);
  num(follow.steps, 'aepo.controller.follow.steps', 1, Infinity, { int: true });
  num(follow.gain, 'aepo.controller.follow.gain', 0);
  num(follow.maxStep, 'aepo.controller.follow.maxStep', 0);
  num(follow.horizon, 'aepo.controller.follow.horizon', 0, Infinity, { openMin: true });
  p.push(...validateSchedule(c.entropy.target, 'entropy.target'));
  num(c.entropy.bandRelative, 'entropy.bandRelative', 0);
  num(c.entropy.bandAbsolute, 'entropy.bandAbsolute', 0);
  oneOf(c.entropy.estimator, 'entropy.estimator', ENTROPY_ESTIMATORS);
  num(c.entropy.unreachableAfterSteps, 'entropy.unreachableAfterSteps', 0, Infinity, { int: true });
  num(c.entropy.unreachableAccuracyDrop, 'entropy.unreachableAccuracyDrop', 0, 1);
  num(c.entropyRegCoef, 'entropyRegCoef', 0);
  num(c.entropyAdvAlpha, 'entropyAdvAlpha', 0);
  num(c.entropyAdvKappa, 'entropyAdvKappa', 0, Infinity, { openMin: true });
  num(c.advantageEps, 'advantageEps', 0);
  const v = c.validation;
  num(v.everySteps, 'validation.everySteps', 0, Infinity, { int: true });
  num(v.temperature, 'validation.temperature', 0, Infinity, { openMin: true });
  num(v.samplesPerPrompt, 'validation.samplesPerPrompt', 1, Infinity, { int: true });
  if (!Array.isArray(v.passK) || v.passK.length === 0) p.push('validation.passK: must be a non-empty list');
  else v.passK.forEach((k, i) => num(k, `validation.passK[${i}]`, 1, v.samplesPerPrompt, { int: true }));
  num(v.maxPrompts, 'validation.maxPrompts', 0, Infinity, { int: true });
  num(v.batchPrompts, 'validation.batchPrompts', 1, Infinity, { int: true });
  return p;
}
