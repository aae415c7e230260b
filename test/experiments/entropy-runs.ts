/**
 * The entropy comparison shared by the integration test (test/aepo-entropy.e2e-spec.ts) and the
 * experiment (scripts/experiment-entropy.sh): every run loads the same initial weights
 * (builtin:tiny-arith, or the testbed's model: testbeds.ts) and trains for the same budget on the
 * same prompts.
 */
import {
  type AlgorithmConfigInput,
  type EvaluationRecord,
  type Example,
  type RewardFn,
  type StepRecord,
  Rng,
  Trainer,
  resolveConfig,
} from '@aepo/aepo';
import { SPEC_DEFAULTS } from '@aepo/contracts';
import { grade } from '@aepo/rewards';
import { EngineClient } from '../../apps/gpu-executor/src/engine/engine-client.js';
import { EngineProcess } from '../../apps/gpu-executor/src/engine/engine-process.js';

/** tiny-arith problems `${a}+${b}=` -> `${a+b}`, a, b in [0, 99], seeded. */
export function tinyArith(count: number, seed: number): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const a = rng.int(100);
    const b = rng.int(100);
    return { prompt: `${a}+${b}=`, answer: String(a + b) };
  });
}

/** The default math grader of @aepo/rewards, score 1 for any equivalent form of the gold number. */
export const mathReward: RewardFn = async (items) =>
  items.map((it) => grade(it.completion, it.answer)?.score ?? 0);

export interface RunSpec {
  name: string;
  /** Entropy target for the tables (null for runs that do not control entropy). */
  target: number | null;
  config: AlgorithmConfigInput;
}

export interface RunResult {
  name: string;
  target: number | null;
  seed: number;
  records: StepRecord[];
  evaluations: EvaluationRecord[];
  seconds: number;
}

export interface CommonSettings {
  seed: number;
  steps: number;
  promptsPerStep: number;
  samplesPerPrompt: number;
  lr: number;
  maxTokens: number;
  model: string;
}

/** The config of one run: the common budget plus the run's own algorithm settings. */
export function runConfig(common: CommonSettings, spec: RunSpec): AlgorithmConfigInput {
  const c = spec.config;
  return {
    ...c,
    seed: common.seed,
    maxSteps: common.steps,
    rollout: {
      promptsPerStep: common.promptsPerStep,
      samplesPerPrompt: common.samplesPerPrompt,
      maxTokens: common.maxTokens,
      topP: 1,
      ...c.rollout,
    },
    optim: {
      lr: common.lr,
      miniBatchSize: common.promptsPerStep * common.samplesPerPrompt,
      weightDecay: 0,
      ...c.optim,
    },
  };
}

/** Loads the initial weights with the run's optimizer settings. */
export async function loadInitial(
  client: EngineClient,
  common: CommonSettings,
  spec: RunSpec,
): Promise<ReturnType<typeof resolveConfig>> {
  const config = resolveConfig(runConfig(common, spec));
  await client.load({
    model: common.model,
    seed: common.seed,
    lr: config.optim.lr,
    weightDecay: config.optim.weightDecay,
    gradClip: config.optim.gradClip,
    klCoef: config.optim.klCoef,
    // The engine's model options as the API stores them by default (the one table).
    options: {
      precision: '',
      maxTokensPerMicroBatch: SPEC_DEFAULTS.maxTokensPerMicroBatch,
      chatTemplate: SPEC_DEFAULTS.chatTemplate,
      adam: { beta1: SPEC_DEFAULTS.adamBeta1, beta2: SPEC_DEFAULTS.adamBeta2, eps: SPEC_DEFAULTS.adamEps },
    },
  });
  return config;
}

/**
 * Entropy of the initial policy on the controller's scale: token-mean full-vocabulary entropy of T=1
 * samples (n per prompt) of `prompts`. Targets are set relative to it, so the comparison stays
 * meaningful when the builtin model's warm start changes.
 */
export async function measureStartEntropy(
  client: EngineClient,
  common: CommonSettings,
  prompts: Example[],
): Promise<number> {
  await loadInitial(client, common, { name: 'probe', target: null, config: { algorithm: 'grpo' } });
  const res = await client.sample({
    groups: prompts.map((p) => ({ prompt: p.prompt, n: common.samplesPerPrompt, temperature: 1 })),
    topP: 1,
    maxTokens: common.maxTokens,
    stop: [],
    seed: common.seed,
    keepRollouts: false,
  });
  const all = res.groups.flat();
  const tokens = all.reduce((a, c) => a + c.tokens, 0);
  return all.reduce((a, c) => a + c.entropy * c.tokens, 0) / tokens;
}

/** Loads fresh initial weights into the engine and trains one run to the end. */
export async function runOne(
  client: EngineClient,
  common: CommonSettings,
  spec: RunSpec,
  sets: { train: Example[]; validation: Example[] },
  onStep?: (r: StepRecord) => void,
): Promise<RunResult> {
  const config = await loadInitial(client, common, spec);
  const trainer = new Trainer({
    config,
    engine: client,
    reward: mathReward,
    trainSet: sets.train,
    validationSet: sets.validation,
  });
  const records: StepRecord[] = [];
  const evaluations: EvaluationRecord[] = [];
  const t0 = performance.now();
  await trainer.run({
    onStep: (o) => {
      records.push(o.record);
      if (o.evaluation) evaluations.push(o.evaluation);
      onStep?.(o.record);
    },
  });
  return {
    name: spec.name,
    target: spec.target,
    seed: common.seed,
    records,
    evaluations,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Starts `count` engines (one torch thread each), hands their clients to `fn`, stops them after. */
export async function withEngines<T>(
  count: number,
  fn: (clients: EngineClient[]) => Promise<T>,
  opts: { threads?: number; log?: boolean } = {},
): Promise<T> {
  const procs: EngineProcess[] = [];
  const clients: EngineClient[] = [];
  const threads = String(opts.threads ?? 1);
  try {
    await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const address = `unix:///tmp/aepo-entropy-${process.pid}-${i}.sock`;
        const client = EngineClient.connect(address);
        clients[i] = client;
        procs[i] = await EngineProcess.start({
          address,
          env: { OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads, AEPO_ENGINE_THREADS: threads },
          healthCheck: () => client.health(),
          onLog: opts.log ? (line) => console.error(`[engine ${i}] ${line}`) : undefined,
        });
      }),
    );
    return await fn(clients);
  } finally {
    for (const c of clients) c?.close();
    await Promise.all(procs.map((p) => p?.stop()));
  }
}

/** Runs specs on a pool of clients, each run on the next free client; results in spec order. */
export async function runAll(
  clients: EngineClient[],
  jobs: { common: CommonSettings; spec: RunSpec }[],
  sets: { train: Example[]; validation: Example[] },
  onDone?: (r: RunResult) => void,
): Promise<RunResult[]> {
  const results: RunResult[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < jobs.length) {
        const i = next++;
        const job = jobs[i]!;
        results[i] = await runOne(client, job.common, job.spec, sets);
        onDone?.(results[i]);
      }
    }),
  );
  return results;
}
