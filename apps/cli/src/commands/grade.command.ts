import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Command } from 'commander';
import { grade, GradingPool, validateGraderSpec, type GraderSpec, type GradeResult } from '@aepo/rewards';

type OutLine = { score: number | null; reason: string } | { error: string };
type Parsed = { ok: true; pred: string; gold: string; spec?: GraderSpec } | { ok: false; error: string };

/** One input line `{"gold": …, "pred": …, "grader"?: …}`; problems become an error line, never a crash. */
export function parseGradeLine(line: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { ok: false, error: 'invalid JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    return { ok: false, error: 'line must be a JSON object' };
  const o = v as Record<string, unknown>;
  const gold = typeof o['gold'] === 'number' ? String(o['gold']) : o['gold'];
  const pred = typeof o['pred'] === 'number' ? String(o['pred']) : o['pred'];
  if (typeof gold !== 'string') return { ok: false, error: '"gold" must be a string' };
  if (typeof pred !== 'string') return { ok: false, error: '"pred" must be a string' };
  if (o['grader'] === undefined) return { ok: true, pred, gold };
  const problems = validateGraderSpec(o['grader']);
  if (problems.length > 0) return { ok: false, error: `invalid grader: ${problems.join('; ')}` };
  return { ok: true, pred, gold, spec: o['grader'] as GraderSpec };
}

function toOut(r: GradeResult | null): OutLine {
  return r === null ? { score: null, reason: 'gold_unparseable' } : r;
}

/**
 * Streams JSONL from `input` to `output`, one result line per input line, in order. Blank lines are
 * skipped. With `workers` > 0 lines are graded in batches on a GradingPool.
 */
export async function runGrade(
  input: Readable,
  output: Writable,
  opts: { workers: number; batch: number },
): Promise<void> {
  const pool = opts.workers > 0 ? new GradingPool({ workers: opts.workers }) : null;
  const pending: Parsed[] = [];
  const write = (s: string) =>
    new Promise<void>((resolve) => {
      if (output.write(s)) resolve();
      else output.once('drain', resolve);
    });
  const flush = async () => {
    const batch = pending.splice(0);
    const ok = batch.filter((p): p is Extract<Parsed, { ok: true }> => p.ok);
    const graded = pool
      ? await pool.gradeBatch(ok.map((p) => ({ pred: p.pred, gold: p.gold, spec: p.spec })))
      : ok.map((p) => grade(p.pred, p.gold, p.spec));
    let k = 0;
    const lines = batch.map((p) => JSON.stringify(p.ok ? toOut(graded[k++] ?? null) : { error: p.error }));
    if (lines.length > 0) await write(lines.join('\n') + '\n');
  };
  try {
    const rl = createInterface({ input, crlfDelay: Infinity });
    for await (const line of rl) {
      if (line.trim() === '') continue;
      pending.push(parseGradeLine(line));
      if (pending.length >= opts.batch) await flush();
    }
    await flush();
  } finally {
    await pool?.close();
  }
}

export function gradeCommand(): Command {
  return new Command('grade')
    .description('grade JSONL {"gold","pred","grader"?} lines from stdin; writes {"score","reason"} per line')
    .option('-w, --workers <n>', 'grade on this many worker threads (0: in the main thread)', '0')
    .option('-b, --batch <n>', 'lines per batch', '512')
    .action(async (o: { workers: string; batch: string }) => {
      const workers = Math.max(0, Number.parseInt(o.workers, 10) || 0);
      const batch = Math.max(1, Number.parseInt(o.batch, 10) || 512);
      await runGrade(process.stdin, process.stdout, { workers, batch });
    });
}
