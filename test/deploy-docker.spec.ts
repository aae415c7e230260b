import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
const read = (p: string) => readFileSync(`${root}${p}`, 'utf8');
const dockerfiles = readdirSync(`${root}deploy/docker`).filter((f) => f.endsWith('.Dockerfile'));

/** Instructions of a Dockerfile with continuation lines joined and comments dropped. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** .dockerignore patterns as regexes over context-relative paths (a match also excludes what is below). */
function dockerignore(): { re: RegExp; negate: boolean }[] {
  return read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const glob = (negate ? l.slice(1) : l).replace(/^\/+|\/+$/g, '');
      const body = glob
        .split('/')
        .map((part) =>
          part === '**'
            ? '(?:.*)'
            : part
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\(\?:\.\*\)\//g, '(?:.*/)?');
      return { re: new RegExp(`^${body}(?:/.*)?$`), negate };
    });
}

function ignored(path: string, patterns: { re: RegExp; negate: boolean }[]): boolean {
  let out = false;
  for (const p of patterns) if (p.re.test(path)) out = !p.negate;
  return out;
}

/** Context sources of every COPY/ADD that does not copy from another stage or image. */
function contextSources(file: string): string[] {
  return instructions(read(`deploy/docker/${file}`))
    .filter((i) => /^(COPY|ADD)\s/i.test(i) && !/--from=/.test(i))
    .flatMap((i) => {
      const args = i
        .split(/\s+/)
        .slice(1)
        .filter((a) => !a.startsWith('--'));
      return args.slice(0, -1).map((a) => a.replace(/\/$/, ''));
    });
}

describe('Dockerfiles', () => {
  it('are present for the API and the executor', () => {
    expect(dockerfiles.sort()).toEqual(['api.Dockerfile', 'executor.Dockerfile']);
  });

  it('copy only files that exist in the repository and are not excluded by .dockerignore', () => {
    const patterns = dockerignore();
    for (const file of dockerfiles) {
      const sources = contextSources(file);
      expect(sources.length, file).toBeGreaterThan(5);
      for (const source of sources) {
        expect(existsSync(`${root}${source}`), `${file}: ${source} exists`).toBe(true);
        expect(ignored(source, patterns), `${file}: ${source} is not in .dockerignore`).toBe(false);
      }
    }
  });

  it('excludes local builds and dependencies from the build context', () => {
    const patterns = dockerignore();
    for (const p of [
      'node_modules',
      'apps/api/node_modules',
      'apps/api/dist',
      'apps/gpu-executor/engine/.venv',
    ]) {
      expect(ignored(p, patterns), p).toBe(true);
    }
    expect(ignored('apps/api/src/main.ts', patterns)).toBe(false);
    expect(ignored('apps/api/src/main.spec.ts', patterns)).toBe(true);
  });

  it('run as a numeric non-root user and start the built entry point of their app', () => {
    const entries: Record<string, string> = {
      'api.Dockerfile': 'apps/api',
      'executor.Dockerfile': 'apps/gpu-executor',
    };
    for (const file of dockerfiles) {
      const ins = instructions(read(`deploy/docker/${file}`));
      const lastStage = ins.slice(ins.map((i) => /^FROM\s/i.test(i)).lastIndexOf(true));
      const user = lastStage.filter((i) => /^USER\s/i.test(i)).at(-1);
      expect(user, file).toMatch(/^USER\s+[1-9]\d*:[1-9]\d*$/);
      const entry = lastStage.find((i) => /^ENTRYPOINT\s/i.test(i)) ?? '';
      const app = entries[file] ?? '';
      expect(entry, file).toContain(`"${app}/dist/main.js"`);
      // The entry point is compiled from the app's src/main.ts by `tsc -b tsconfig.build.json`.
      expect(existsSync(`${root}${app}/src/main.ts`), `${app}/src/main.ts`).toBe(true);
    }
  });
});
