import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runGrade } from './grade.command.js';

async function run(input: string, workers = 0): Promise<unknown[]> {
  const inp = new PassThrough();
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  inp.end(input);
  await runGrade(inp, out, { workers, batch: 2 });
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as unknown);
}

const INPUT = [
  '{"gold":"85","pred":" 085"}',
  'not json',
  '{"gold":"85","pred":"86"}',
  '{"gold":"","pred":"1"}',
  '{"gold":"3","pred":"x","grader":{"kind":"nope"}}',
  '{"gold":"Paris","pred":"paris","grader":{"kind":"exact"}}',
].join('\n');

describe('aepo grade', () => {
  it('writes one line per input line, in order, with errors for malformed lines', async () => {
    const out = await run(INPUT);
    expect(out).toHaveLength(6);
    expect(out[0]).toEqual({ score: 1, reason: 'equal' });
    expect(out[1]).toEqual({ error: 'invalid JSON' });
    expect(out[2]).toEqual({ score: 0, reason: 'not_equal' });
    expect(out[3]).toEqual({ score: null, reason: 'gold_unparseable' });
    expect((out[4] as { error: string }).error).toContain('invalid grader');
    expect(out[5]).toEqual({ score: 1, reason: 'equal' });
  });

  it('runs as the built bin from stdin to stdout', () => {
    const main = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
    const out = execFileSync(process.execPath, [main, 'grade', '--workers', '1'], {
      input: INPUT,
      encoding: 'utf8',
    });
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toEqual({ score: 1, reason: 'equal' });
    expect(lines[1]).toEqual({ error: 'invalid JSON' });
  });
});
