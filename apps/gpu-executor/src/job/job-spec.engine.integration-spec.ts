/**
 * What the REAL engine runs equals what the API stored, field by field. One engine process (tiny
 * model, CPU) is sent, through the executor's own EngineClient, the Load the job runner sends, the
 * trainer's Sample of one prompt group and its Train; the engine echoes the settings it built
 * (LoadResponse.settings from its optimizer and adapter, CompletionGroup.sampled, TrainResponse.loss),
 * read here on the wire, and every echoed value is compared with the stored spec's. The leaves are
 * walked from the proto descriptor: each is either run by the engine (ENGINE_RUNS) or listed with the
 * part that runs it instead (NOT_RUN_BY_ENGINE); job-spec.carry.spec.ts covers those in-process.
 */
import { lossSettings, type AlgorithmConfig } from '@aepo/aepo';
import { Algorithm, applySpecDefaults, engineV1, jobSpecLeaves, type JobSpec } from '@aepo/contracts';
import { InterceptingCall, type Interceptor, ListenerBuilder, RequesterBuilder } from '@grpc/grpc-js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '../engine/engine-client.js';
import { EngineProcess } from '../engine/engine-process.js';
import { fullSpec, MINIMAL_SPEC } from '../testing/job-specs.js';
import { engineLoadRequest } from './engine-session.js';
import { toAlgorithmConfig, toEngineModelOptions } from './job-spec.mapper.js';

/** What the engine echoed for one job: its Load, the sampled group and the Train call. */
interface Ran {
  load: engineV1.LoadedSettings;
  sampled: engineV1.PromptGroup;
  loss: engineV1.LossSettings;
}
type Pair = (s: JobSpec, e: Ran) => [unknown, unknown] | undefined;

// The engine's own choices where the stored spec leaves one to it (this test runs on CPU, tiny model).
const PRECISION_ON_CPU: Record<string, string> = {
  PRECISION_UNSPECIFIED: 'fp32',
  PRECISION_FP32: 'fp32',
  PRECISION_BF16_MIXED: 'bf16-mixed',
  PRECISION_BF16_PURE: 'bf16-pure',
};
const TOKEN_BUDGET_UP_TO_1B = 65_536;

const o = (s: JobSpec) => s.optimization!;
const r = (s: JobSpec) => s.rollout!;
const m = (s: JobSpec) => s.model!;
const adapter = (
  s: JobSpec,
  e: Ran,
  pick: (l: engineV1.Lora) => unknown,
  stored: unknown,
): [unknown, unknown] =>
  m(s).adapter ? [stored, e.load.lora && pick(e.load.lora)] : [undefined, e.load.lora];

/** Every leaf the engine runs: [stored value, the value the engine echoed]. */
const ENGINE_RUNS: Record<string, Pair> = {
  'rollout.samples_per_prompt': (s, e) => [r(s).samplesPerPrompt, e.sampled.n],
  'rollout.max_tokens': (s, e) => [r(s).maxTokens, e.sampled.maxNewTokens],
  'rollout.top_p': (s, e) => [r(s).topP, e.sampled.topP],
  'rollout.temperature': (s, e) => [r(s).temperature, e.sampled.temperature],
  'rollout.stop': (s, e) => [r(s).stop, e.sampled.stop],
  'optimization.learning_rate': (s, e) => [
    [o(s).learningRate, o(s).learningRate],
    [e.load.optimizer?.lr, e.loss.lr],
  ],
  'optimization.weight_decay': (s, e) => [o(s).weightDecay, e.load.optimizer?.weightDecay],
  'optimization.grad_clip': (s, e) => [o(s).gradClip, e.load.optimizer?.gradClip],
  'optimization.adam_beta1': (s, e) => [o(s).adamBeta1, e.load.optimizer?.beta1],
  'optimization.adam_beta2': (s, e) => [o(s).adamBeta2, e.load.optimizer?.beta2],
  'optimization.adam_eps': (s, e) => [o(s).adamEps, e.load.optimizer?.eps],
  'optimization.seed': (s, e) => [o(s).seed, e.load.seed],
  'optimization.clip_ratio_low': (s, e) => [o(s).clipRatioLow, e.loss.clipLow],
  'optimization.clip_ratio_high': (s, e) => [o(s).clipRatioHigh, e.loss.clipHigh],
  'optimization.dual_clip': (s, e) => [o(s).dualClip, e.loss.dualClip],
  // The job's and the engine's enums share their value names.
  'optimization.loss_aggregation': (s, e) => [o(s).lossAggregation, e.loss.aggregation],
  'optimization.mini_batch_prompts': (s, e) => [
    o(s).miniBatchPrompts! * r(s).samplesPerPrompt!,
    e.loss.miniBatchSize,
  ],
  'optimization.epochs_per_rollout': (s, e) => [o(s).epochsPerRollout, e.loss.epochs],
  'optimization.kl_coef': (s, e) => [
    [o(s).klCoef, o(s).klCoef! > 0],
    [e.loss.klCoef, e.load.klReference],
  ],
  // Sent only by the algorithm that uses it (lossSettings), so compared for that algorithm.
  'entropy_reg.coef': (s, e) =>
    s.algorithm === Algorithm.ALGORITHM_ENTROPY_REG ? [s.entropyReg!.coef, e.loss.entropyCoef] : undefined,
  'entropy_adv.alpha': (s, e) =>
    s.algorithm === Algorithm.ALGORITHM_ENTROPY_ADV
      ? [s.entropyAdv!.alpha, e.loss.entropyAdvAlpha]
      : undefined,
  'entropy_adv.kappa': (s, e) => [s.entropyAdv!.kappa, e.loss.entropyAdvKappa],
  'model.precision': (s, e) => [PRECISION_ON_CPU[m(s).precision], e.load.precision],
  // 0 leaves the budget to the engine (by model size); unset checkpointing is off below 1B.
  'model.max_tokens_per_micro_batch': (s, e) => [
    m(s).maxTokensPerMicroBatch || TOKEN_BUDGET_UP_TO_1B,
    e.load.maxTokensPerMicroBatch,
  ],
  'model.gradient_checkpointing': (s, e) => [
    m(s).gradientCheckpointing === true,
    e.load.gradientCheckpointing,
  ],
  'model.chat_template': (s, e) => [m(s).chatTemplate, e.load.chatTemplate],
  'model.adapter.rank': (s, e) => adapter(s, e, (l) => l.rank, m(s).adapter?.rank),
  'model.adapter.alpha': (s, e) => adapter(s, e, (l) => l.alpha, m(s).adapter?.alpha),
  'model.adapter.dropout': (s, e) => adapter(s, e, (l) => l.dropout, m(s).adapter?.dropout),
  'model.adapter.target_modules': (s, e) =>
    adapter(s, e, (l) => l.targetModules, m(s).adapter?.targetModules),
};

const TRAINER = "the trainer (libs/aepo's AlgorithmConfig; job-spec.carry.spec.ts)";
/** Leaves the engine does not run, and what does. */
const NOT_RUN_BY_ENGINE: Record<string, string> = {
  base_model: "Load's model (the engine loads it by name)",
  training_dataset: "the runner's dataset loader",
  validation_dataset: "the runner's dataset loader",
  algorithm: `${TRAINER}: it picks the advantages and which loss terms Train gets`,
  grader: "the runner's grader (libs/rewards)",
  labels: 'the API (ListJobs filters)',
  'optimization.max_steps': `${TRAINER}: the step loop`,
  'model.adapter.export_merged': "SaveCheckpoint's merge_adapter (the checkpoint coordinator)",
  'mlflow.tracking_uri': "the API's MLflow tracker",
  'mlflow.experiment_name': "the API's MLflow tracker",
  'mlflow.registered_model_name': "the API's MLflow tracker",
};
const TRAINER_PREFIXES = [
  'entropy_target.',
  'aepo.',
  'validation.',
  'checkpoint.',
  'rollout.prompts_per_step',
];
const readByTrainer = (path: string) => TRAINER_PREFIXES.some((p) => path.startsWith(p));

/** Records every response message of the engine, by rpc name. */
const answers: { rpc: string; message: unknown }[] = [];
const recorder: Interceptor = (options, nextCall) =>
  new InterceptingCall(
    nextCall(options),
    new RequesterBuilder()
      .withStart((metadata, listener, next) =>
        next(
          metadata,
          new ListenerBuilder()
            .withOnReceiveMessage((message: unknown, nextMessage) => {
              answers.push({ rpc: options.method_definition.path.split('/').pop()!, message });
              nextMessage(message);
            })
            .build(),
        ),
      )
      .build(),
  );
const last = <T>(rpc: string): T => answers.filter((a) => a.rpc === rpc).pop()!.message as T;

const address = `unix://${join(tmpdir(), `aepo-spec-engine-${process.pid}.sock`)}`;
let engine: EngineProcess;
let client: EngineClient;

beforeAll(async () => {
  client = EngineClient.connect(address, { interceptors: [recorder] });
  engine = await EngineProcess.start({
    address,
    env: { OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1', AEPO_ENGINE_THREADS: '1' },
    healthCheck: () => client.health(),
  });
});

afterAll(async () => {
  client?.close();
  await engine?.stop();
});

/** Loads, samples one group and trains on it as the runner and the trainer do; returns the echoes. */
async function run(stored: JobSpec, config: AlgorithmConfig): Promise<Ran> {
  await client.load(engineLoadRequest(stored, config, toEngineModelOptions(stored)));
  const sampled = await client.sample({
    groups: [
      { prompt: '12+30=', n: config.rollout.samplesPerPrompt, temperature: config.rollout.temperature },
    ],
    topP: config.rollout.topP,
    maxTokens: config.rollout.maxTokens,
    stop: config.rollout.stop,
    seed: 1,
    keepRollouts: true,
  });
  const items = sampled.groups[0]!.map((c, i) => ({ rolloutId: c.rolloutId, advantage: i % 2 ? 1 : -1 }));
  await client.train({ items, loss: lossSettings(config, 3, 0) });
  return {
    load: last<engineV1.LoadResponse>('Load').settings!,
    sampled: last<engineV1.SampleResponse>('Sample').groups[0]!.sampled!,
    loss: last<engineV1.TrainResponse>('Train').loss!,
  };
}

describe('the spec the real engine runs is the spec the API stored', () => {
  it('knows, for every field of the contract, whether the engine runs it', () => {
    const unaccounted = jobSpecLeaves()
      .map((l) => l.path)
      .filter((p) => !(p in ENGINE_RUNS) && !(p in NOT_RUN_BY_ENGINE) && !readByTrainer(p));
    expect(unaccounted).toEqual([]);
    const leaves = new Set(jobSpecLeaves().map((l) => l.path));
    const stale = [...Object.keys(ENGINE_RUNS), ...Object.keys(NOT_RUN_BY_ENGINE)].filter(
      (p) => !leaves.has(p),
    );
    expect(stale).toEqual([]);
  });

  it.each([
    ['minimal', MINIMAL_SPEC],
    ['full, GRPO', fullSpec(false)],
    ['full, Entropy-Reg', { ...fullSpec(true), algorithm: Algorithm.ALGORITHM_ENTROPY_REG }],
    ['full, Entropy-Adv', { ...fullSpec(false), algorithm: Algorithm.ALGORITHM_ENTROPY_ADV }],
  ])('runs every engine field of a %s spec as stored', async (_name, spec) => {
    const stored = applySpecDefaults(spec, () => 5);
    const ran = await run(stored, toAlgorithmConfig(stored));
    let compared = 0;
    for (const leaf of jobSpecLeaves()) {
      const pair = ENGINE_RUNS[leaf.path]?.(stored, ran);
      if (!pair) continue;
      expect(pair[1], leaf.path).toEqual(pair[0]);
      compared++;
    }
    // All but the two algorithm-specific coefficients, which only their own algorithm sends.
    expect(compared).toBeGreaterThanOrEqual(Object.keys(ENGINE_RUNS).length - 2);
  });
});
