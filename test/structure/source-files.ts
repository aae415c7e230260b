/**
 * The hand-written source files of the repository, for the structure tests: what git tracks, minus
 * generated stubs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { trackedFiles } from './git-index.js';

/** Extensions of source files: TypeScript, JavaScript modules, Python, shell. */
const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.py', '.sh'];

/**
 * Generated files: protobuf stubs (any `gen/` folder: libs/contracts/src/gen, the engine's gen/;
 * the Python client's `*_pb2*.py`), declaration files, lock files.
 */
const GENERATED = [
  /(^|\/)gen\//,
  /_pb2(_grpc)?\.pyi?$/,
  /\.d\.[mc]?ts$/,
  /(^|\/)(package-lock\.json|uv\.lock)$/,
];

/** True for a path (relative to the repository root, `/`-separated) of a hand-written source file. */
export function isHandWrittenSource(file: string): boolean {
  if (!SOURCE_EXTENSIONS.includes(path.posix.extname(file))) return false;
  return !GENERATED.some((re) => re.test(file));
}

/** Lines as an editor numbers them: a final newline ends the last line, it does not start another. */
export function countLines(text: string): number {
  if (text === '') return 0;
  const newlines = text.split('\n').length - 1;
  return text.endsWith('\n') ? newlines : newlines + 1;
}

/** The hand-written source files under `root` (a git checkout), relative and sorted. */
export function listSourceFiles(root: string): string[] {
  // a tracked file deleted in the working tree (not yet committed) is no longer a source
  return trackedFiles(root)
    .filter((f) => isHandWrittenSource(f) && existsSync(path.join(root, f)))
    .sort();
}

/** The number of lines of each file (relative to `root`). */
export function lineCounts(root: string, files: readonly string[]): Map<string, number> {
  return new Map(files.map((f) => [f, countLines(readFileSync(path.join(root, f), 'utf8'))]));
}
