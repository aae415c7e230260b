/**
 * No JobSpec default in a second place. The API fills defaults once from the one table
 * (libs/contracts/src/spec-defaults.ts); the executor, libs/aepo and the engine receive the resolved
 * spec. This scans their sources for a spec value given a fallback literal, which is how a second
 * default creeps in (`o.learningRate ?? 1e-6`, Python `_or(o.lr, 1e-6)`, `g.top_p or 1.0`), and
 * libs/aepo's DEFAULT_CONFIG for a spec-carried value written as a literal instead of read from the
 * table, and an engine dataclass giving a setting a default (`lr: float = 1e-6`). Field names come
 * from the contract's descriptor (and the engine's own request messages), so a new field is covered
 * without edits.
 */
import { jobSpecLeaves, SPEC_DEFAULTS } from '@aepo/contracts';
import { DEFAULT_CONFIG } from '@aepo/aepo';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LITERAL = String.raw`(-?\d[\d_.]*(?:e-?\d+)?|true|false|'[^']*'|"[^"]*"|\[\])`;

function sources(dir: string, ext: string, skip: RegExp): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext) && !skip.test(f))
    .map((f) => join(ROOT, dir, f));
}

const leaves = jobSpecLeaves();
const camelNames = [...new Set(leaves.map((l) => l.jsonName))];
// A spec field (or its container message, `spec.rollout?.stop`) followed by ?? / || and a literal.
const TS_FALLBACK = new RegExp(String.raw`\b(?:${camelNames.join('|')})\s*(?:\?\?|\|\|)\s*${LITERAL}`);
// The engine's wire -> spec mapping: the old `_or(value, default)` helper, or `x.field or <literal>`.
const PY_FALLBACK = new RegExp(String.raw`\b_or\(|\.\w+\s+or\s+(?:-?\d[\d.]*(?:e-?\d+)?|True|False)\b`);

/**
 * Lines that match but read no spec value (same field name, other message), each with its reason.
 * Keyed by file and text, not line number, so unrelated edits keep them matched.
 */
const NOT_SPEC_VALUES: Record<string, string> = {
  // A step record's temperature (aepo.v1.StepRecord), unset before the first re-sample.
  'apps/gpu-executor/src/job/record.mapper.ts: temperature: r.temperature ?? 0,': 'StepRecord',
  // libs/aepo's own TargetSchedule type (ramps from step 1 for direct callers); the mapper always
  // sets startStep from the stored spec.
  'libs/aepo/src/schedule.ts: const p = progress(step, schedule.startStep ?? 1, schedule.endStep);':
    'TargetSchedule',
};

// Names a JobSpec setting goes by in the engine: the spec's own (snake_case, as the descriptor spells
// them) and the fields of the engine requests that carry spec values (Load, Sample groups, Train loss).
const ENGINE_PROTO = readFileSync(join(ROOT, 'proto/aepo/engine/v1/engine.proto'), 'utf8');
const SPEC_CARRIERS = ['LoadRequest', 'Optimizer', 'Lora', 'PromptGroup', 'LossSettings'];
const ENGINE_SETTING_NAMES = new Set([
  ...leaves.map((l) => l.path.split('.').pop()!),
  ...SPEC_CARRIERS.flatMap((m) => protoFieldNames(ENGINE_PROTO, m)),
]);

/** Dataclass fields that may keep a default though their name is a setting's, each with its reason. */
const NOT_SETTINGS: Record<string, string> = {
  'LoadSpec.dtype': "the engine tools' legacy dtype; the executor sends precision",
  'LoadSpec.device': "the executor's device (deployment), not a JobSpec field",
  'GroupSpec.text': 'the prompt (one of text and messages), not a setting',
  'GroupSpec.messages': 'the prompt (one of text and messages), not a setting',
  'TrainOut.lr': 'a Train result (the rate used), filled as Train runs',
};

/** The field names of `message` in a .proto source. */
function protoFieldNames(proto: string, message: string): string[] {
  const body = new RegExp(String.raw`\nmessage ${message} \{([^}]*)\}`).exec(proto)?.[1];
  if (body === undefined) throw new Error(`message ${message} missing from engine.proto`);
  return [...body.matchAll(/^\s*(?:optional |repeated )?[\w.]+ (\w+) = \d+/gm)].map((m) => m[1]!);
}

/** `Class.field` for every dataclass field of `source` given a default (`name: type = value`). */
function dataclassDefaults(source: string): string[] {
  const out: string[] = [];
  let cls: string | undefined;
  let decorated = false;
  for (const line of source.split('\n')) {
    if (/^@dataclass\b/.test(line)) decorated = true;
    else if (/^class (\w+)/.test(line)) {
      cls = decorated ? /^class (\w+)/.exec(line)![1] : undefined;
      decorated = false;
    } else if (/^\S/.test(line) || /^\s+(?:def|@)/.test(line)) cls = undefined;
    const field = cls && /^ {4}(\w+)\s*:[^=]*=/.exec(line);
    if (field) out.push(`${cls}.${field[1]}`);
  }
  return out;
}

/** `file:line: text` for every line of `files` that `pattern` matches. */
function offenders(files: string[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => {
        const where = relative(ROOT, file);
        if (!pattern.test(line) || NOT_SPEC_VALUES[`${where}: ${line.trim()}`]) return [];
        return [`${where}:${i + 1}: ${line.trim()}`];
      }),
  );
}

describe('JobSpec defaults live in one table', () => {
  it('the patterns catch the regressions they are for, and leave other code alone', () => {
    expect(TS_FALLBACK.test('lr: o?.learningRate ?? 1e-6,')).toBe(true);
    expect(TS_FALLBACK.test('stop: r?.stop ?? [],')).toBe(true);
    expect(TS_FALLBACK.test('const B = r?.promptsPerStep || 512;')).toBe(true);
    expect(
      TS_FALLBACK.test('budget = loaded?.model?.maxTokensPerMicroBatch ?? options.maxTokensPerMicroBatch;'),
    ).toBe(false);
    expect(TS_FALLBACK.test('const n = counts.get(key) ?? 0;')).toBe(false);
    expect(PY_FALLBACK.test('lr = _finite("optimizer.lr", _or(o.lr, 1e-6))')).toBe(true);
    expect(PY_FALLBACK.test('top_p = g.top_p or 1.0')).toBe(true);
    expect(PY_FALLBACK.test('if not req.groups or len(x) > 3:')).toBe(false);
  });

  it('the executor and libs/aepo give no spec value a fallback literal', () => {
    const files = [
      ...sources('apps/gpu-executor/src', '.ts', /\.spec\.ts$|^testing\//),
      ...sources('libs/aepo/src', '.ts', /\.spec\.ts$/),
    ];
    expect(files.length).toBeGreaterThan(20);
    expect(offenders(files, TS_FALLBACK)).toEqual([]);
  });

  it("the engine's wire validation defaults nothing", () => {
    const files = sources('apps/gpu-executor/engine/aepo_engine', 'validation.py', /_test\.py$/);
    expect(files).toHaveLength(1);
    expect(offenders(files, PY_FALLBACK)).toEqual([]);
  });

  it('finds the dataclass defaults it is for, and leaves other code alone', () => {
    const source = [
      '@dataclass(frozen=True, kw_only=True)',
      'class LossSpec:',
      '    """Doc."""',
      '',
      '    clip_low: float = 0.2',
      '    epochs: int',
      '    lr: float | None = None  # a comment = here',
      '',
      '    def epochs_or(self, n: int = 1) -> int:',
      '        x: int = 3',
      '',
      'class Plain:',
      '    lr: float = 1e-6',
    ].join('\n');
    expect(dataclassDefaults(source)).toEqual(['LossSpec.clip_low', 'LossSpec.lr']);
    expect(ENGINE_SETTING_NAMES).toContain('lr');
    expect(ENGINE_SETTING_NAMES).toContain('epochs');
    expect(ENGINE_SETTING_NAMES).toContain('top_p');
    expect(ENGINE_SETTING_NAMES).toContain('learning_rate');
  });

  it('no engine dataclass gives a setting a default', () => {
    const files = sources('apps/gpu-executor/engine/aepo_engine', '.py', /_test\.py$|^gen\//);
    expect(files.length).toBeGreaterThan(20);
    const defaulted = files.flatMap((file) =>
      dataclassDefaults(readFileSync(file, 'utf8'))
        .filter((f) => ENGINE_SETTING_NAMES.has(f.split('.')[1]!) && !NOT_SETTINGS[f])
        .map((f) => `${relative(ROOT, file)}: ${f}`),
    );
    expect(defaulted).toEqual([]);
    // Every allowed default still exists: a stale entry would hide nothing and mislead.
    const all = files.flatMap((file) => dataclassDefaults(readFileSync(file, 'utf8')));
    expect(Object.keys(NOT_SETTINGS).filter((f) => !all.includes(f))).toEqual([]);
  });

  it("libs/aepo's DEFAULT_CONFIG reads every spec-carried value from the table", () => {
    // libs/aepo key <- table key, for each config value a JobSpec field sets.
    const fromTable: [unknown, number | boolean][] = [
      [DEFAULT_CONFIG.rollout.promptsPerStep, SPEC_DEFAULTS.promptsPerStep],
      [DEFAULT_CONFIG.rollout.samplesPerPrompt, SPEC_DEFAULTS.samplesPerPrompt],
      [DEFAULT_CONFIG.rollout.maxTokens, SPEC_DEFAULTS.maxTokens],
      [DEFAULT_CONFIG.rollout.topP, SPEC_DEFAULTS.topP],
      [DEFAULT_CONFIG.optim.lr, SPEC_DEFAULTS.learningRate],
      [DEFAULT_CONFIG.optim.weightDecay, SPEC_DEFAULTS.weightDecay],
      [DEFAULT_CONFIG.optim.gradClip, SPEC_DEFAULTS.gradClip],
      [DEFAULT_CONFIG.optim.clipLow, SPEC_DEFAULTS.clipRatioLow],
      [DEFAULT_CONFIG.optim.clipHigh, SPEC_DEFAULTS.clipRatioHigh],
      [DEFAULT_CONFIG.optim.dualClip, SPEC_DEFAULTS.dualClip],
      [DEFAULT_CONFIG.optim.klCoef, SPEC_DEFAULTS.klCoef],
      [DEFAULT_CONFIG.optim.miniBatchSize, SPEC_DEFAULTS.miniBatchPrompts * SPEC_DEFAULTS.samplesPerPrompt],
      [DEFAULT_CONFIG.optim.epochs, SPEC_DEFAULTS.epochsPerRollout],
      [DEFAULT_CONFIG.aepo.tHigh, SPEC_DEFAULTS.tHigh],
      [DEFAULT_CONFIG.aepo.tLow, SPEC_DEFAULTS.tLow],
      [DEFAULT_CONFIG.aepo.resampleFraction, SPEC_DEFAULTS.resampleFraction],
      [DEFAULT_CONFIG.aepo.positiveThreshold, SPEC_DEFAULTS.positiveThreshold],
      [DEFAULT_CONFIG.aepo.halveAboveTarget, SPEC_DEFAULTS.halveAboveTarget],
      [DEFAULT_CONFIG.aepo.controller.kp, SPEC_DEFAULTS.proportionalGain],
      [DEFAULT_CONFIG.aepo.controller.ki, SPEC_DEFAULTS.integralGain],
      [DEFAULT_CONFIG.aepo.controller.coefGain, SPEC_DEFAULTS.entropyCoefGain],
      [DEFAULT_CONFIG.aepo.controller.coefMaxStep, SPEC_DEFAULTS.entropyCoefMaxStep],
      [DEFAULT_CONFIG.aepo.controller.coefLimit, SPEC_DEFAULTS.entropyCoefLimit],
      [DEFAULT_CONFIG.aepo.controller.coefDeadband, SPEC_DEFAULTS.entropyCoefDeadband],
      [DEFAULT_CONFIG.entropy.bandAbsolute, SPEC_DEFAULTS.tolerance],
      [DEFAULT_CONFIG.entropyRegCoef, SPEC_DEFAULTS.entropyRegCoef],
      [DEFAULT_CONFIG.entropyAdvAlpha, SPEC_DEFAULTS.entropyAdvAlpha],
      [DEFAULT_CONFIG.entropyAdvKappa, SPEC_DEFAULTS.entropyAdvKappa],
      [DEFAULT_CONFIG.validation.temperature, SPEC_DEFAULTS.validationTemperature],
      [DEFAULT_CONFIG.validation.samplesPerPrompt, SPEC_DEFAULTS.validationK],
      [DEFAULT_CONFIG.validation.maxPrompts, SPEC_DEFAULTS.validationMaxPrompts],
    ];
    for (const [config, table] of fromTable) expect(config).toBe(table);
    // ...and reads them, not a copy: no value key of the table is written as a literal there.
    const text = readFileSync(join(ROOT, 'libs/aepo/src/config.ts'), 'utf8');
    const block = text.slice(text.indexOf('export const DEFAULT_CONFIG'));
    const keys =
      'promptsPerStep|samplesPerPrompt|maxTokens|topP|lr|weightDecay|gradClip|clipLow|clipHigh|dualClip|klCoef|tHigh|tLow|resampleFraction|positiveThreshold|halveAboveTarget|kp|ki|coefGain|coefMaxStep|coefLimit|coefDeadband|bandAbsolute|entropyRegCoef|entropyAdvAlpha|entropyAdvKappa|temperature|maxPrompts';
    expect(block.match(new RegExp(String.raw`\b(?:${keys}):\s*${LITERAL}`, 'g')) ?? []).toEqual([]);
  });
});
