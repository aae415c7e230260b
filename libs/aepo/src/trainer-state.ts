import { type ControllerState, INITIAL_CONTROLLER_STATE, completeControllerState } from './controller.js';
import type { SamplerCursor } from './ports.js';
import { type ReachState, INITIAL_REACH_STATE } from './reach.js';
import type { TargetSchedule } from './schedule.js';

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

/** The state of a run that has not taken a step yet. */
export function initialTrainerState(seed: number): TrainerState {
  return {
    version: 1,
    step: 0,
    lastEntropy: null,
    controller: { ...INITIAL_CONTROLLER_STATE },
    sampler: { epoch: 0, index: 0 },
    targetOverride: null,
    reach: { ...INITIAL_REACH_STATE },
    seed,
  };
}

/**
 * A checkpointed state to continue from: a copy, completed where an older checkpoint lacks fields.
 * @throws Error when the state has another version or was made with another seed than `seed`.
 */
export function restoreTrainerState(saved: TrainerState, seed: number): TrainerState {
  if (saved.version !== 1) throw new Error(`unsupported trainer state version ${String(saved.version)}`);
  if (saved.seed !== seed)
    throw new Error(`trainer state was made with seed ${saved.seed}, config has ${seed}`);
  return {
    ...structuredClone(saved),
    controller: completeControllerState(saved.controller),
    reach: completeReachState(saved),
  };
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
