import { InvalidArgumentError, type Command } from 'commander';
import { EntropyEstimator, ScheduleKind, type EntropySchedule, type EntropyTarget } from '@aepo/contracts';
import { numberArg, usage } from './command-context.js';

/** Flags of the entropy target (`jobs create` and `jobs set-target`). */
export interface TargetFlags {
  target?: number;
  schedule?: string;
  tolerance?: number;
  estimator?: string;
}

const ESTIMATORS: Record<string, EntropyEstimator> = {
  'full-vocab': EntropyEstimator.ENTROPY_ESTIMATOR_FULL_VOCAB,
  'sampled-token': EntropyEstimator.ENTROPY_ESTIMATOR_SAMPLED_TOKEN,
};

/** An option parser that accepts the keys of `table` only. */
export function choice<T>(table: Record<string, T>) {
  return (raw: string): string => {
    if (!(raw in table)) throw new InvalidArgumentError(`expected one of ${Object.keys(table).join(', ')}`);
    return raw;
  };
}

/** Flags of the entropy target, shared by `jobs create` and `jobs set-target`. */
export function addTargetOptions(cmd: Command): Command {
  return cmd
    .option('--target <nats>', 'constant entropy target H* (nats/token)', numberArg)
    .option(
      '--schedule <spec>',
      'target schedule: linear:START:END[:FROM:TO], cosine:START:END[:FROM:TO] or piecewise:STEP=H,STEP=H,…',
    )
    .option('--tolerance <nats>', 'half-width of the tolerance band (server default 0.05)', numberArg)
    .option(
      '--estimator <name>',
      `entropy estimator: ${Object.keys(ESTIMATORS).join(', ')}`,
      choice(ESTIMATORS),
    );
}

/** Parses `--schedule`. */
export function parseSchedule(raw: string): EntropySchedule {
  const [kind, ...rest] = raw.split(':');
  const base: EntropySchedule = {
    kind: ScheduleKind.SCHEDULE_KIND_UNSPECIFIED,
    startValue: 0,
    endValue: 0,
    startStep: 0,
    endStep: 0,
    points: [],
  };
  const num = (s: string | undefined, what: string) => {
    const n = Number(s);
    if (s === undefined || s === '' || !Number.isFinite(n))
      throw usage(`--schedule: ${what} must be a number`);
    return n;
  };
  if (kind === 'linear' || kind === 'cosine') {
    if (rest.length !== 2 && rest.length !== 4)
      throw usage(`--schedule: expected ${kind}:START:END or ${kind}:START:END:FROM_STEP:TO_STEP`);
    return {
      ...base,
      kind: kind === 'linear' ? ScheduleKind.SCHEDULE_KIND_LINEAR : ScheduleKind.SCHEDULE_KIND_COSINE,
      startValue: num(rest[0], 'START'),
      endValue: num(rest[1], 'END'),
      startStep: rest.length === 4 ? num(rest[2], 'FROM_STEP') : 0,
      endStep: rest.length === 4 ? num(rest[3], 'TO_STEP') : 0,
    };
  }
  if (kind === 'piecewise') {
    const points = rest
      .join(':')
      .split(',')
      .filter((p) => p !== '')
      .map((p) => {
        const [step, value] = p.split('=');
        return { step: num(step, 'STEP'), value: num(value, 'H') };
      });
    if (points.length === 0) throw usage('--schedule: piecewise needs at least one STEP=H point');
    return { ...base, kind: ScheduleKind.SCHEDULE_KIND_PIECEWISE, points };
  }
  throw usage('--schedule: expected linear:…, cosine:… or piecewise:…');
}

/** Builds an EntropyTarget from the target flags; undefined when none was given. */
export function targetFromFlags(o: TargetFlags, base?: EntropyTarget): EntropyTarget | undefined {
  if (o.target !== undefined && o.schedule !== undefined)
    throw usage('give --target or --schedule, not both');
  if (o.target === undefined && o.schedule === undefined && o.tolerance === undefined && !o.estimator)
    return base;
  const t: EntropyTarget = {
    estimator: base?.estimator ?? EntropyEstimator.ENTROPY_ESTIMATOR_UNSPECIFIED,
    ...(base?.constant !== undefined ? { constant: base.constant } : {}),
    ...(base?.schedule !== undefined ? { schedule: base.schedule } : {}),
    ...(base?.tolerance !== undefined ? { tolerance: base.tolerance } : {}),
  };
  if (o.target !== undefined) {
    t.constant = o.target;
    delete t.schedule;
  }
  if (o.schedule !== undefined) {
    t.schedule = parseSchedule(o.schedule);
    delete t.constant;
  }
  if (o.tolerance !== undefined) t.tolerance = o.tolerance;
  if (o.estimator) t.estimator = ESTIMATORS[o.estimator] ?? t.estimator;
  return t;
}
