import { JobState, type Job, type StepRecord } from '@aepo/contracts';
import { duration, fixed, shortAlgorithm, shortState } from '../output/format.js';

const SPARK = '▁▂▃▄▅▆▇█';
const TERMINAL = new Set<string>([
  JobState.JOB_STATE_SUCCEEDED,
  JobState.JOB_STATE_FAILED,
  JobState.JOB_STATE_CANCELLED,
]);

export function isTerminal(state: string): boolean {
  return TERMINAL.has(state);
}

type Tone = 'ok' | 'warn' | 'bad' | 'dim' | 'bold';
const ANSI: Record<Tone, [string, string]> = {
  ok: ['\x1b[32m', '\x1b[39m'],
  warn: ['\x1b[33m', '\x1b[39m'],
  bad: ['\x1b[31m', '\x1b[39m'],
  dim: ['\x1b[2m', '\x1b[22m'],
  bold: ['\x1b[1m', '\x1b[22m'],
};

/** Where the entropy sits relative to its band. */
export function bandPosition(r: StepRecord): 'in band' | 'above' | 'below' {
  if (r.entropy > r.entropyTargetUpper) return 'above';
  if (r.entropy < r.entropyTargetLower) return 'below';
  return 'in band';
}

/**
 * The state of one watched job and its renderings: a multi-line frame for terminals (redrawn in
 * place) and one plain line per step for logs and pipes. Pure: no I/O, so it is testable.
 */
export class WatchView {
  private job: Job | undefined;
  readonly records: StepRecord[] = [];

  constructor(private readonly color: boolean) {}

  setJob(job: Job): void {
    this.job = job;
  }

  addRecord(r: StepRecord): void {
    this.records.push(r);
  }

  get lastStep(): number {
    return this.records.at(-1)?.step ?? this.job?.currentStep ?? 0;
  }

  get maxSteps(): number {
    return this.job?.spec?.optimization?.maxSteps ?? 0;
  }

  /**
   * Seconds left at the pace of the last 10 steps: the spacing of their stored times (which includes
   * the executor's overhead between steps), else their reported step time; undefined before a step.
   */
  etaSeconds(): number | undefined {
    const recent = this.records.slice(-11);
    if (recent.length === 0 || this.maxSteps === 0) return undefined;
    const first = recent[0]!;
    const last = recent.at(-1)!;
    const span =
      first.createTime && last.createTime && last.step > first.step
        ? (last.createTime.getTime() - first.createTime.getTime()) / 1000 / (last.step - first.step)
        : undefined;
    const mean = span ?? recent.reduce((s, r) => s + r.stepSeconds, 0) / recent.length;
    return Math.max(0, this.maxSteps - this.lastStep) * mean;
  }

  private paint(tone: Tone, s: string): string {
    return this.color ? `${ANSI[tone][0]}${s}${ANSI[tone][1]}` : s;
  }

  private stateText(): string {
    const job = this.job;
    if (!job) return '';
    const state = shortState(job.state);
    const tone: Tone =
      job.state === JobState.JOB_STATE_SUCCEEDED
        ? 'ok'
        : job.state === JobState.JOB_STATE_FAILED || job.state === JobState.JOB_STATE_CANCELLED
          ? 'bad'
          : job.state === JobState.JOB_STATE_RUNNING
            ? 'bold'
            : 'warn';
    const flags = [job.cancelRequested ? 'cancel requested' : '', job.pauseRequested ? 'pause requested' : '']
      .filter(Boolean)
      .join(', ');
    return this.paint(tone, state) + (flags ? ` (${flags})` : '');
  }

  /** The terminal frame (lines, without trailing newlines). */
  frame(width = 80): string[] {
    const job = this.job;
    const lines: string[] = [];
    if (job) {
      const name = job.displayName ? ` "${job.displayName}"` : '';
      const algo = shortAlgorithm(job.spec?.algorithm ?? '');
      lines.push(`job ${job.name}${name}  ${algo}  ${this.stateText()}  attempt ${job.attempt}`);
    }
    const max = this.maxSteps;
    const step = this.lastStep;
    const barWidth = Math.max(10, Math.min(40, width - 40));
    const frac = max > 0 ? Math.min(1, step / max) : 0;
    const filled = Math.round(frac * barWidth);
    const eta = this.etaSeconds();
    lines.push(
      `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}] ${step}/${max || '?'} steps ` +
        `${Math.round(frac * 100)}%` +
        (eta !== undefined && !isTerminal(job?.state ?? '') ? `  ETA ${duration(eta)}` : ''),
    );
    const r = this.records.at(-1);
    if (!r) {
      lines.push(this.paint('dim', 'waiting for the first step…'));
      return lines;
    }
    const pos = bandPosition(r);
    const posText = this.paint(pos === 'in band' ? 'ok' : 'warn', pos);
    lines.push(
      `entropy ${fixed(r.entropy, 4)}  target ${fixed(r.entropyTarget, 3)} ` +
        `[${fixed(r.entropyTargetLower, 3)}, ${fixed(r.entropyTargetUpper, 3)}]  ${this.gauge(r, 24)}  ${posText}`,
    );
    lines.push(`history ${this.sparkline(Math.max(10, Math.min(60, width - 10)))}`);
    lines.push(
      `temp ${fixed(r.temperature, 2)}  reinforce ${r.reinforceCount}  reward ${fixed(r.rewardMean, 3)}  ` +
        `acc ${(r.accuracy * 100).toFixed(1)}%  step ${fixed(r.stepSeconds, 2)}s ` +
        this.paint('dim', `(sample ${fixed(r.sampleSeconds, 2)} train ${fixed(r.trainSeconds, 2)})`),
    );
    return lines;
  }

  /** A horizontal scale from 0 to about twice the target: band as ░, the entropy as │. */
  private gauge(r: StepRecord, width: number): string {
    const hi = Math.max(r.entropyTargetUpper * 1.6, r.entropy * 1.1, 1e-6);
    const at = (v: number) => Math.max(0, Math.min(width - 1, Math.round((v / hi) * (width - 1))));
    const cells: string[] = Array.from({ length: width }, (_, i) =>
      i >= at(r.entropyTargetLower) && i <= at(r.entropyTargetUpper) ? '░' : '·',
    );
    cells[at(r.entropy)] = '│';
    return `▕${cells.join('')}▏`;
  }

  /** Entropy of the last steps; steps outside their band are painted as warnings. */
  private sparkline(width: number): string {
    const recent = this.records.slice(-width);
    const values = recent.flatMap((r) => [r.entropy, r.entropyTargetLower, r.entropyTargetUpper]);
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    return recent
      .map((r) => {
        const i = hi > lo ? Math.round(((r.entropy - lo) / (hi - lo)) * (SPARK.length - 1)) : 0;
        const ch = SPARK[i] ?? SPARK[0]!;
        return bandPosition(r) === 'in band' ? ch : this.paint('warn', ch);
      })
      .join('');
  }

  /** One plain line for a step (non-terminal output). */
  line(r: StepRecord): string {
    const eta = this.etaSeconds();
    return (
      `step ${r.step}/${this.maxSteps || '?'}  entropy ${fixed(r.entropy, 4)}  target ${fixed(r.entropyTarget, 3)} ` +
      `[${fixed(r.entropyTargetLower, 3)},${fixed(r.entropyTargetUpper, 3)}] ${bandPosition(r).replace(' ', '-')}  ` +
      `temp ${fixed(r.temperature, 2)}  reward ${fixed(r.rewardMean, 3)}  acc ${fixed(r.accuracy, 3)}  ` +
      `step_time ${fixed(r.stepSeconds, 2)}s` +
      (eta !== undefined ? `  eta ${duration(eta)}` : '')
    );
  }

  stateLine(): string {
    const job = this.job;
    return job ? `state ${shortState(job.state)} attempt ${job.attempt}` : '';
  }

  /** The closing summary. */
  summary(): string {
    const job = this.job;
    if (!job) return '';
    const inBand = this.records.filter((r) => bandPosition(r) === 'in band').length;
    const last = this.records.at(-1);
    const wall =
      job.startTime && job.endTime
        ? `, wall ${duration((job.endTime.getTime() - job.startTime.getTime()) / 1000)}`
        : '';
    const err = job.error?.message ? `: ${job.error.message}` : '';
    return (
      `job ${job.name} ${shortState(job.state)}${err} after ${job.currentStep}/${this.maxSteps} steps${wall}` +
      (last
        ? `; last entropy ${fixed(last.entropy, 4)} (target ${fixed(last.entropyTarget, 3)}), ` +
          `in band ${inBand}/${this.records.length} watched steps, last accuracy ${fixed(last.accuracy, 3)}`
        : '')
    );
  }
}
