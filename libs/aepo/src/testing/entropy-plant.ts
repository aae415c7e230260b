/**
 * A simulated policy for the controller's unit tests: the full AEPO controller (decideTemperature)
 * in the loop with a first-order entropy plant, deterministic (seeded noise).
 *
 * Each step the entropy relaxes toward `rest`, moved by `reinforcePush` up when the controller
 * re-samples hot (T > 1) and down when it re-samples cold, and by `gainPerCoef` per unit of the
 * entropy coefficient lambda, with time constant `tau` steps; the measurement carries Gaussian noise
 * of SD `noise` (tiny-arith at 32 x 8 samples: about 0.02 nats). The numbers of the default plant are
 * read off tiny-arith (docs/benchmarks.md): the start 0.64, GRPO's rest about 0.4, lambda -0.054
 * holding 0.32 and +0.038 holding 0.51.
 */
import type { AepoConfig } from '../config.js';
import { type ControllerState, INITIAL_CONTROLLER_STATE, decideTemperature } from '../controller.js';
import { Rng } from '../rng.js';

export interface PlantSettings {
  start: number;
  rest: number;
  reinforcePush: number;
  gainPerCoef: number;
  tau: number;
  /** Steps before lambda acts on the plant (the optimizer's momentum; 0: at once). */
  delay?: number;
  noise: number;
  seed: number;
}

export const TINY_ARITH_PLANT: PlantSettings = {
  start: 0.64,
  rest: 0.4,
  reinforcePush: 0.02,
  gainPerCoef: 2,
  tau: 30,
  noise: 0.02,
  seed: 7,
};

export interface PlantTrace {
  /** Measured entropy after each step. */
  entropy: number[];
  /** lambda, temperature and the closing flag each step's decision used. */
  coef: number[];
  temperature: number[];
  closing: boolean[];
  /** The controller's state after the last step. */
  state: ControllerState;
}

/** Runs `steps` steps with the target `targetAt(step)` (1-based steps, like the trainer's). */
export function simulatePlant(
  cfg: AepoConfig,
  targetAt: (step: number) => number,
  steps: number,
  plant: PlantSettings = TINY_ARITH_PLANT,
): PlantTrace {
  const rng = new Rng(plant.seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  let h = plant.start;
  let measured: number | null = null;
  let state = INITIAL_CONTROLLER_STATE;
  const trace: PlantTrace = { entropy: [], coef: [], temperature: [], closing: [], state };
  const delay = plant.delay ?? 0;
  for (let step = 1; step <= steps; step++) {
    const { decision, state: next } = decideTemperature(cfg, targetAt(step), measured, state);
    state = next;
    const push = decision.temperature > 1 ? plant.reinforcePush : -plant.reinforcePush;
    // lambda of `delay` steps ago acts now (0 before the run's first steps).
    const acting = delay > 0 ? (trace.coef[step - 1 - delay] ?? 0) : decision.entropyCoef;
    const goal = Math.max(0.01, plant.rest + push * decision.shareScale + plant.gainPerCoef * acting);
    h += (goal - h) / plant.tau;
    measured = Math.max(0, h + plant.noise * gaussian());
    trace.entropy.push(measured);
    trace.coef.push(decision.entropyCoef);
    trace.temperature.push(decision.temperature);
    trace.closing.push(decision.closing);
  }
  trace.state = state;
  return trace;
}
