/** Summary statistics of a run's step records, as the entropy test and experiment judge them. */
import type { StepRecord } from '@aepo/aepo';

export interface RunSummary {
  steps: number;
  /** Entropy measured at step 1 (the initial policy). */
  startEntropy: number;
  /** Mean entropy over the last third of the steps. */
  lastThirdMean: number;
  /** Mean |H - H*| over the last third, relative to the target (null without a target). */
  madRelative: number | null;
  /** |lastThirdMean - H*| / H* (null without a target). */
  meanErrorRelative: number | null;
  /** Fraction of last-third steps inside the tolerance band. */
  inBandFraction: number;
  /** Mean on-policy T=1 accuracy over the last tenth of the steps (at least 5). */
  finalAccuracy: number;
  /** Mean REINFORCE samples per step over the last third. */
  reinforceMean: number;
  /** Steps of the last third that kept no REINFORCE sample. */
  zeroReinforceFraction: number;
  unreachableSteps: number;
  secondsPerStep: number;
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

export function summarize(records: StepRecord[], target: number | null): RunSummary {
  const n = records.length;
  const last = records.slice(n - Math.floor(n / 3));
  const tail = records.slice(n - Math.max(5, Math.floor(n / 10)));
  const lastThirdMean = mean(last.map((r) => r.entropy));
  return {
    steps: n,
    startEntropy: records[0]?.entropy ?? Number.NaN,
    lastThirdMean,
    madRelative: target === null ? null : mean(last.map((r) => Math.abs(r.entropy - target))) / target,
    meanErrorRelative: target === null ? null : Math.abs(lastThirdMean - target) / target,
    inBandFraction: mean(last.map((r) => (r.inBand ? 1 : 0))),
    finalAccuracy: mean(tail.map((r) => r.accuracy)),
    reinforceMean: mean(last.map((r) => r.reinforceSamples)),
    zeroReinforceFraction: mean(last.map((r) => (r.reinforceSamples === 0 ? 1 : 0))),
    unreachableSteps: records.filter((r) => r.targetUnreachable).length,
    secondsPerStep: mean(records.map((r) => r.timings.total)),
  };
}
