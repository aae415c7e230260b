/** The Trainer unit tests' scripted engine and job (trainer.spec.ts, trainer-run.spec.ts). */
import { type AlgorithmConfigInput, resolveConfig } from '../config.js';
import type {
  Completion,
  PolicyEngine,
  RewardFn,
  SampleRequest,
  SampleResult,
  TrainRequest,
  TrainResult,
} from '../ports.js';
import { Trainer, type TrainerState } from '../trainer.js';

/**
 * A scripted engine: prompt `q<i>` at any temperature yields `i mod (n + 1)` correct completions
 * ("yes") out of n, so q0 is all wrong, q<n> all right and the others mixed. Every completion reports
 * `entropy` (settable) as its full-vocabulary entropy and 2 * entropy as its sampled-token estimate;
 * its length alternates 2, 4 tokens. State (entropy, id counter) is plain data, so it can be cloned
 * as a "checkpoint".
 */
export class FakeEngine implements PolicyEngine {
  samples: SampleRequest[] = [];
  trains: TrainRequest[] = [];
  released: string[][] = [];
  constructor(
    public st = { entropy: 0.3, nextId: 0 },
    private readonly onTrain: (st: FakeEngine['st'], req: TrainRequest) => void = () => {},
  ) {}

  async sample(req: SampleRequest): Promise<SampleResult> {
    this.samples.push(structuredClone(req));
    const groups = req.groups.map((g) => {
      const i = Number(g.prompt.slice(1));
      const correct = i % (g.n + 1);
      return Array.from({ length: g.n }, (_, j): Completion => ({
        rolloutId: req.keepRollouts ? `r${this.st.nextId++}` : '',
        text: j < correct ? 'yes' : 'no',
        tokens: j % 2 === 0 ? 2 : 4,
        finishReason: j === 3 ? 'length' : 'stop',
        entropy: this.st.entropy,
        negLogProb: 2 * this.st.entropy,
      }));
    });
    return { groups, seconds: 0 };
  }

  async train(req: TrainRequest): Promise<TrainResult> {
    this.trains.push(structuredClone(req));
    this.onTrain(this.st, req);
    return {
      entropy: 0.5,
      entropySampled: 0.6,
      policyLoss: -0.1,
      clipFractionLow: 0.01,
      clipFractionHigh: 0.02,
      clipFractionDual: 0.004,
      approxKl: 0.003,
      kl: 0.05,
      gradNorm: 0.7,
      lr: 3e-4,
      tokens: 123,
      seconds: 0,
    };
  }

  async release(ids: string[]): Promise<void> {
    this.released.push(ids);
  }
}

export const reward: RewardFn = async (items) => items.map((it) => (it.completion === it.answer ? 1 : 0));
export const trainSet = Array.from({ length: 8 }, (_, i) => ({ prompt: `q${i}`, answer: 'yes' }));
let clock = 0;
export const now = () => (clock += 250);

export function make(over: AlgorithmConfigInput, engine = new FakeEngine(), state?: TrainerState) {
  const config = resolveConfig({
    seed: 3,
    maxSteps: 6,
    rollout: { promptsPerStep: 4, samplesPerPrompt: 4, maxTokens: 8, topP: 1 },
    optim: { miniBatchSize: 8 },
    // A 10% relative band (the records' bounds below are 0.35 +- 10%).
    entropy: { target: { kind: 'constant', value: 0.35 }, bandRelative: 0.1, bandAbsolute: 0 },
    ...over,
  });
  return {
    trainer: new Trainer({ config, engine, reward, trainSet, now, ...(state ? { state } : {}) }),
    engine,
  };
}

/** The correct count of prompt q<i> with n = 4. */
export const correctOf = (prompt: string) => Number(prompt.slice(1)) % 5;
