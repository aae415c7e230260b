/**
 * Finds the `uv` executable that runs the engine. scripts/setup.sh installs uv with `pip install --user`
 * when it is missing, into a folder (~/.local/bin, or Python's user base) that a fresh shell often
 * does not have on PATH; the executor looks there too, so a first `npm run demo` finds what setup
 * installed.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export interface UvSearch {
  /** PATH to search first. Default process.env.PATH. */
  pathEnv?: string | undefined;
  /** Home folder (its .local/bin). Default os.homedir(). */
  home?: string;
  /** Python's user base (`python3 -m site --user-base`); default: asks python3, undefined if it cannot. */
  userBase?: () => string | undefined;
}

/** Thrown when no uv executable is found; the message lists every place looked at. */
export class UvNotFoundError extends Error {
  constructor(readonly searched: string[]) {
    super(
      `uv not found (looked in PATH, ${searched.join(', ')}): run scripts/setup.sh, ` +
        'or set AEPO_EXECUTOR_UV to the uv executable',
    );
    this.name = 'UvNotFoundError';
  }
}

function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function pythonUserBase(): string | undefined {
  try {
    const out = execFileSync('python3', ['-m', 'site', '--user-base'], {
      encoding: 'utf8',
      timeout: 10_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}

/** The absolute path of uv: the first executable `uv` on PATH, in ~/.local/bin or in the user base's bin. */
export function findUv(o: UvSearch = {}): string {
  const pathDirs = (o.pathEnv ?? process.env['PATH'] ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const dir of pathDirs) {
    const candidate = path.join(dir, 'uv');
    if (isExecutableFile(candidate)) return candidate;
  }
  const fallbacks = [path.join(o.home ?? homedir(), '.local', 'bin')];
  const userBase = (o.userBase ?? pythonUserBase)();
  if (userBase !== undefined && !fallbacks.includes(path.join(userBase, 'bin')))
    fallbacks.push(path.join(userBase, 'bin'));
  for (const dir of fallbacks) {
    const candidate = path.join(dir, 'uv');
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new UvNotFoundError(fallbacks);
}
