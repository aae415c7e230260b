import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { Algorithm, ControllerKind, JobSpec, Precision, type GraderSpec } from '@aepo/contracts';
import { datasetArg } from '../client/name-args.js';
import { intArg, labelArg, numberArg, usage } from './command-context.js';
import { addTargetOptions, choice, targetFromFlags } from './entropy-target.options.js';

/** Flags of `jobs create` (every one optional; unset knobs take the server defaults). */
export interface JobSpecFlags {
  spec?: string;
  model?: string;
  dataset?: string;
  validationDataset?: string;
  algorithm?: string;
  target?: number;
  schedule?: string;
  tolerance?: number;
  estimator?: string;
  tHigh?: number;
  tLow?: number;
  resampleFraction?: number;
  reinforceCount?: number;
  reinforceFraction?: number;
  controller?: string;
  entropyCoefGain?: number;
  entropyCoefLimit?: number;
  promptsPerStep?: number;
  samplesPerPrompt?: number;
  maxTokens?: number;
  topP?: number;
  temperature?: number;
  lr?: number;
  maxSteps?: number;
  seed?: number;
  klCoef?: number;
  grader?: string;
  checkpointEvery?: number;
  keepLast?: number;
  validateEvery?: number;
  label?: Record<string, string>;
  precision?: string;
  maxTokensPerMicroBatch?: number;
  gradientCheckpointing?: string;
  chatTemplate?: boolean;
  loraRank?: number;
  loraAlpha?: number;
  loraDropout?: number;
  loraTargets?: string;
  exportMerged?: boolean;
}

const PRECISIONS: Record<string, Precision> = {
  fp32: Precision.PRECISION_FP32,
  'bf16-mixed': Precision.PRECISION_BF16_MIXED,
  'bf16-pure': Precision.PRECISION_BF16_PURE,
};

const ON_OFF: Record<string, boolean> = { on: true, off: false };

const ALGORITHMS: Record<string, Algorithm> = {
  aepo: Algorithm.ALGORITHM_AEPO,
  grpo: Algorithm.ALGORITHM_GRPO,
  'entropy-reg': Algorithm.ALGORITHM_ENTROPY_REG,
  'entropy-adv': Algorithm.ALGORITHM_ENTROPY_ADV,
};

const CONTROLLERS: Record<string, ControllerKind> = {
  'bang-bang': ControllerKind.CONTROLLER_KIND_BANG_BANG,
  proportional: ControllerKind.CONTROLLER_KIND_PROPORTIONAL,
  dual: ControllerKind.CONTROLLER_KIND_DUAL,
};

const GRADERS: Record<string, GraderSpec> = {
  math: { math: {} },
  exact: { exact: { caseSensitive: false } },
  numeric: { numeric: {} },
  format: { format: {} },
};

export function addJobSpecOptions(cmd: Command): Command {
  addTargetOptions(
    cmd
      .option('--spec <file>', 'JobSpec as proto JSON (camelCase or snake_case); the flags below override it')
      .option('--model <id>', 'base model id (see the server’s models), e.g. builtin:tiny-arith')
      .option('--dataset <dataset>', 'training dataset name or bare id', datasetArg)
      .option('--validation-dataset <dataset>', 'validation dataset name or bare id', datasetArg)
      .option(
        '--algorithm <name>',
        `${Object.keys(ALGORITHMS).join(', ')} (default aepo)`,
        choice(ALGORITHMS),
      ),
  );
  return cmd
    .option('--t-high <T>', 'AEPO: re-sample temperature below target', numberArg)
    .option('--t-low <T>', 'AEPO: re-sample temperature above target', numberArg)
    .option('--resample-fraction <f>', 'AEPO: share of prompts re-sampled', numberArg)
    .option('--reinforce-count <k>', 'AEPO: REINFORCE samples per step', intArg(0))
    .option('--reinforce-fraction <f>', 'AEPO: REINFORCE samples as a fraction of the batch', numberArg)
    .option(
      '--controller <kind>',
      `AEPO controller: ${Object.keys(CONTROLLERS).join(', ')}`,
      choice(CONTROLLERS),
    )
    .option('--entropy-coef-gain <g>', 'AEPO dual controller: gain of the entropy coefficient', numberArg)
    .option('--entropy-coef-limit <c>', 'AEPO dual controller: clip of |entropy coefficient|', numberArg)
    .option('--prompts-per-step <n>', 'prompts per step', intArg(1))
    .option('--samples-per-prompt <n>', 'completions per prompt (group size)', intArg(1))
    .option('--max-tokens <n>', 'maximum completion tokens', intArg(1))
    .option('--top-p <p>', 'nucleus sampling', numberArg)
    .option('--temperature <T>', 'temperature of the on-policy samples', numberArg)
    .option('--lr <rate>', 'learning rate', numberArg)
    .option('--max-steps <n>', 'training steps', intArg(1))
    .option('--seed <n>', 'random seed', intArg(0))
    .option('--kl-coef <c>', 'KL penalty coefficient', numberArg)
    .option(
      '--grader <kind>',
      `reward grader: ${Object.keys(GRADERS).join(', ')} (default math)`,
      choice(GRADERS),
    )
    .option('--checkpoint-every <n>', 'save a checkpoint every N steps', intArg(1))
    .option('--keep-last <n>', 'checkpoints kept besides the best-in-band one', intArg(1))
    .option('--validate-every <n>', 'validate every N steps (needs --validation-dataset)', intArg(0))
    .option('--label <key=value>', 'label (repeatable)', labelArg)
    .option(
      '--precision <p>',
      'fp32, bf16-mixed (GPU default: fp32 master weights, bf16 compute) or bf16-pure',
      choice(PRECISIONS),
    )
    .option('--max-tokens-per-micro-batch <n>', 'token budget of one forward/backward pass', intArg(1))
    .option(
      '--gradient-checkpointing <on|off>',
      'recompute activations (default: on above 1B parameters)',
      choice(ON_OFF),
    )
    .option('--chat-template', "render prompts with the tokenizer's chat template")
    .option('--lora-rank <r>', 'train a LoRA adapter of this rank instead of all weights', intArg(1))
    .option('--lora-alpha <a>', 'LoRA alpha (default 2 x rank)', numberArg)
    .option('--lora-dropout <p>', 'LoRA dropout (default 0)', numberArg)
    .option('--lora-targets <modules>', 'comma-separated module names (default: every linear projection)')
    .option('--export-merged', 'LoRA: the final checkpoint also holds the merged model');
}

/** Applies the model flags (precision, memory, LoRA, chat template) to JobSpec.model. */
function applyModelFlags(o: JobSpecFlags, spec: JobSpec): void {
  const lora = [o.loraRank, o.loraAlpha, o.loraDropout, o.loraTargets, o.exportMerged].some(
    (x) => x !== undefined,
  );
  const anyFlag =
    lora ||
    [o.precision, o.maxTokensPerMicroBatch, o.gradientCheckpointing, o.chatTemplate].some(
      (x) => x !== undefined,
    );
  if (!anyFlag) return;
  const m = (spec.model ??= JobSpec.fromPartial({ model: {} }).model!);
  if (o.precision !== undefined) m.precision = PRECISIONS[o.precision] ?? m.precision;
  if (o.maxTokensPerMicroBatch !== undefined) m.maxTokensPerMicroBatch = o.maxTokensPerMicroBatch;
  if (o.gradientCheckpointing !== undefined) m.gradientCheckpointing = ON_OFF[o.gradientCheckpointing];
  if (o.chatTemplate !== undefined) m.chatTemplate = o.chatTemplate;
  if (!lora) return;
  const a = (m.adapter ??= { rank: 0, targetModules: [] });
  if (o.loraRank !== undefined) a.rank = o.loraRank;
  if (!a.rank) throw usage('the --lora-* flags need --lora-rank');
  if (o.loraAlpha !== undefined) a.alpha = o.loraAlpha;
  if (o.loraDropout !== undefined) a.dropout = o.loraDropout;
  if (o.loraTargets !== undefined)
    a.targetModules = o.loraTargets
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  if (o.exportMerged !== undefined) a.exportMerged = o.exportMerged;
}

function readSpecFile(file: string): JobSpec {
  let raw: string;
  try {
    raw = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw usage(`cannot read --spec ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  let spec: JobSpec;
  try {
    json = JSON.parse(raw);
    spec = JobSpec.fromJSON(json);
  } catch (err) {
    throw usage(`--spec ${file} is not a JobSpec in JSON: ${(err as Error).message}`);
  }
  // A 0.1 spec file would lose its dataset silently (unknown JSON keys are ignored): say what it is now.
  const renamed = [
    'training_dataset_id',
    'trainingDatasetId',
    'validation_dataset_id',
    'validationDatasetId',
  ];
  const old = renamed.find((key) => typeof json === 'object' && json !== null && key in json);
  if (old) throw usage(`--spec ${file}: ${old} is now ${old.replace(/_id$|Id$/, '')} (a dataset name)`);
  // Dataset names as elsewhere in the CLI: a bare id means projects/-/datasets/{id}.
  try {
    if (spec.trainingDataset) spec.trainingDataset = datasetArg(spec.trainingDataset);
    if (spec.validationDataset) spec.validationDataset = datasetArg(spec.validationDataset);
  } catch (err) {
    throw usage(`--spec ${file}: ${(err as Error).message}`);
  }
  return spec;
}

/** JobSpec from `--spec` (if any) with the flags applied on top. */
export function specFromFlags(o: JobSpecFlags): JobSpec {
  const spec = o.spec ? readSpecFile(o.spec) : JobSpec.fromPartial({});
  if (o.model) spec.baseModel = o.model;
  if (o.dataset) spec.trainingDataset = o.dataset;
  if (o.validationDataset) spec.validationDataset = o.validationDataset;
  if (o.algorithm) spec.algorithm = ALGORITHMS[o.algorithm] ?? spec.algorithm;
  spec.entropyTarget = targetFromFlags(o, spec.entropyTarget);

  const aepo = (spec.aepo ??= JobSpec.fromPartial({ aepo: {} }).aepo!);
  if (o.tHigh !== undefined) aepo.tHigh = o.tHigh;
  if (o.tLow !== undefined) aepo.tLow = o.tLow;
  if (o.resampleFraction !== undefined) aepo.resampleFraction = o.resampleFraction;
  if (o.reinforceCount !== undefined && o.reinforceFraction !== undefined)
    throw usage('give --reinforce-count or --reinforce-fraction, not both');
  if (o.reinforceCount !== undefined) {
    aepo.reinforceCount = o.reinforceCount;
    delete aepo.reinforceFraction;
  }
  if (o.reinforceFraction !== undefined) {
    aepo.reinforceFraction = o.reinforceFraction;
    delete aepo.reinforceCount;
  }
  if (o.controller) {
    aepo.controller = {
      ...JobSpec.fromPartial({ aepo: { controller: {} } }).aepo!.controller!,
      ...aepo.controller,
    };
    aepo.controller.kind = CONTROLLERS[o.controller] ?? aepo.controller.kind;
  }
  if (o.entropyCoefGain !== undefined || o.entropyCoefLimit !== undefined) {
    const c = (aepo.controller ??= JobSpec.fromPartial({ aepo: { controller: {} } }).aepo!.controller!);
    if (o.entropyCoefGain !== undefined) c.entropyCoefGain = o.entropyCoefGain;
    if (o.entropyCoefLimit !== undefined) c.entropyCoefLimit = o.entropyCoefLimit;
  }

  const rollout = (spec.rollout ??= { stop: [] });
  if (o.promptsPerStep !== undefined) rollout.promptsPerStep = o.promptsPerStep;
  if (o.samplesPerPrompt !== undefined) rollout.samplesPerPrompt = o.samplesPerPrompt;
  if (o.maxTokens !== undefined) rollout.maxTokens = o.maxTokens;
  if (o.topP !== undefined) rollout.topP = o.topP;
  if (o.temperature !== undefined) rollout.temperature = o.temperature;

  const opt = (spec.optimization ??= JobSpec.fromPartial({ optimization: {} }).optimization!);
  if (o.lr !== undefined) opt.learningRate = o.lr;
  if (o.maxSteps !== undefined) opt.maxSteps = o.maxSteps;
  if (o.seed !== undefined) opt.seed = o.seed;
  if (o.klCoef !== undefined) opt.klCoef = o.klCoef;

  if (o.grader) spec.grader = GRADERS[o.grader];
  if (o.checkpointEvery !== undefined || o.keepLast !== undefined) {
    spec.checkpoint ??= {};
    if (o.checkpointEvery !== undefined) spec.checkpoint.everyNSteps = o.checkpointEvery;
    if (o.keepLast !== undefined) spec.checkpoint.keepLast = o.keepLast;
  }
  if (o.validateEvery !== undefined) (spec.validation ??= {}).everyNSteps = o.validateEvery;
  if (o.label) spec.labels = { ...spec.labels, ...o.label };
  applyModelFlags(o, spec);
  return spec;
}

export function algorithmFlag(a: string): string {
  return Object.entries(ALGORITHMS).find(([, v]) => v === a)?.[0] ?? a;
}
