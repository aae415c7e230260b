/**
 * A Postgres left running by a killed owner. The embedded Postgres is a child of the API; a SIGKILL of
 * the API leaves it running, holding its data folder (postmaster.pid), and the next start fails. Before
 * starting, the API stops such a postmaster, but only one that is provably a Postgres of ITS OWN data
 * folder: the pid in that folder's postmaster.pid, alive, and running `postgres -D <that folder>`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface StalePostmaster {
  pid: number;
  /** The process's command line, for logs. */
  command: string;
}

export class StalePostmasterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StalePostmasterError';
  }
}

/** The arguments of process `pid` (argv[0] first), or undefined when no such process is running. */
export function processArgs(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    // No /proc (macOS) or no such process: ask ps, which fails for a missing process.
    try {
      return execFileSync('ps', ['-o', 'args=', '-p', String(pid)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .trim()
        .split(/\s+/);
    } catch {
      return undefined;
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: alive, owned by another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The running postmaster recorded in `dataDir`/postmaster.pid, if it is a Postgres of `dataDir`. */
export function findStalePostmaster(dataDir: string): StalePostmaster | undefined {
  const dir = path.resolve(dataDir);
  let lines: string[];
  try {
    lines = readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined; // no lock file: nothing holds the folder
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return undefined;
  const args = processArgs(pid);
  if (args === undefined) return undefined;
  // `postgres -D <dir> ...` (the pid may have been reused by an unrelated process: leave that alone;
  // Postgres then finds the lock file stale itself).
  const binary = path.basename(args[0] ?? '');
  const d = args.indexOf('-D');
  const folder = d >= 0 ? args[d + 1] : undefined;
  if (!/^postgres(:|$)/.test(binary) || folder === undefined || path.resolve(folder) !== dir)
    return undefined;
  return { pid, command: args.join(' ') };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > until) return false;
    await sleep(100);
  }
  return true;
}

/**
 * Stops a stale postmaster of `dataDir` (fast shutdown, SIGINT; immediate, SIGQUIT, if that does not
 * end it in `graceMs`). Returns what it stopped, or undefined when there was none.
 */
export async function stopStalePostmaster(
  dataDir: string,
  graceMs = 30_000,
): Promise<StalePostmaster | undefined> {
  const stale = findStalePostmaster(dataDir);
  if (!stale) return undefined;
  process.kill(stale.pid, 'SIGINT');
  if (await waitGone(stale.pid, graceMs)) return stale;
  process.kill(stale.pid, 'SIGQUIT');
  if (await waitGone(stale.pid, 10_000)) return stale;
  throw new StalePostmasterError(
    `a Postgres left running (pid ${stale.pid}: ${stale.command}) holds ${path.resolve(dataDir)} and did not stop`,
  );
}
