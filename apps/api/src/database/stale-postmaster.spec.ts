import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findStalePostmaster, stopStalePostmaster } from './stale-postmaster.js';

// Stand-ins with real pids: a process whose argv reads `<dir>/bin/postgres ... -D <folder>` (python3
// under that name), and an unrelated process.
const root = mkdtempSync(path.join(tmpdir(), 'stale-postmaster-'));
mkdirSync(path.join(root, 'bin'));
const fakePostgres = path.join(root, 'bin', 'postgres');
symlinkSync('/usr/bin/python3', fakePostgres);
const children: ChildProcess[] = [];

function startFake(command: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  // Started once it has printed (its argv is in place by then).
  return new Promise((resolve) => child.stdout!.once('data', () => resolve(child)));
}

// Its own SIGINT handler, as Postgres has (a SIGINT ignored by the test runner would be inherited).
const SLEEP =
  'import signal, sys, time; signal.signal(signal.SIGINT, lambda *_: sys.exit(0)); print("up", flush=True); time.sleep(120)';

function dataDir(name: string, pid: number | undefined): string {
  const dir = path.join(root, name);
  mkdirSync(dir, { recursive: true });
  if (pid !== undefined)
    writeFileSync(path.join(dir, 'postmaster.pid'), `${pid}\n${dir}\n1700000000\n5432\n`);
  return dir;
}

const exited = (c: ChildProcess) =>
  new Promise((r) => (c.exitCode !== null ? r(c.exitCode) : c.once('exit', r)));

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('stale postmaster of a data folder', () => {
  it('stops a running postgres of this folder (SIGINT) and says which', async () => {
    const dir = dataDir('ours', undefined);
    const pg = await startFake(fakePostgres, ['-c', SLEEP, '-D', dir, '-p', '5432']);
    dataDir('ours', pg.pid);
    expect(findStalePostmaster(dir)?.pid).toBe(pg.pid);
    const stopped = await stopStalePostmaster(dir);
    expect(stopped).toEqual({ pid: pg.pid, command: `${fakePostgres} -c ${SLEEP} -D ${dir} -p 5432` });
    await exited(pg);
    expect(pg.signalCode ?? pg.exitCode).not.toBeNull();
  });

  it('leaves alone a postgres of another folder and a process that is not postgres', async () => {
    const other = await startFake(fakePostgres, ['-c', SLEEP, '-D', path.join(root, 'elsewhere')]);
    expect(findStalePostmaster(dataDir('other-folder', other.pid))).toBeUndefined();
    const unrelated = await startFake('/usr/bin/python3', ['-c', SLEEP, '-D', path.join(root, 'unrelated')]);
    expect(findStalePostmaster(dataDir('unrelated', unrelated.pid))).toBeUndefined();
    expect(await stopStalePostmaster(path.join(root, 'unrelated'))).toBeUndefined();
    expect(other.exitCode ?? other.signalCode).toBeNull();
    expect(unrelated.exitCode ?? unrelated.signalCode).toBeNull();
  });

  it('finds nothing without a lock file or with a dead pid in it', async () => {
    expect(findStalePostmaster(dataDir('no-lock', undefined))).toBeUndefined();
    const gone = await startFake('/usr/bin/python3', ['-c', 'print("up", flush=True)']);
    await exited(gone);
    expect(findStalePostmaster(dataDir('dead', gone.pid))).toBeUndefined();
  });
});
