/**
 * `vite-node --config vitest.config.ts test/support/test-server-serve.ts <s3|mlflow> <data-dir>`: one of
 * the tests' real servers (SeaweedFS's S3, or `mlflow server`) for a test runner outside vitest (the
 * Python client's pytest). Prints one JSON line, `{"env": {...}}` with the settings the API and
 * executors read (AEPO_ARTIFACTS_S3_* or AEPO_MLFLOW_TRACKING_URI), once the server answers; stops it
 * when standard input closes (the parent exited) or on SIGTERM/SIGINT.
 */
import { startMlflowServer } from './mlflow-server.js';
import { S3TestServer } from './seaweedfs.js';

const [kind, dataDir] = process.argv.slice(2);
if ((kind !== 's3' && kind !== 'mlflow') || !dataDir) {
  process.stderr.write('usage: test-server-serve.ts <s3|mlflow> <data-dir>\n');
  process.exit(2);
}

async function start(): Promise<{ env: Record<string, string>; stop: () => Promise<void> }> {
  if (kind === 's3') {
    const s3 = await S3TestServer.start(dataDir!);
    return { env: s3.env(), stop: () => s3.stop() };
  }
  const mlflow = await startMlflowServer({ parentDir: dataDir! });
  return { env: { AEPO_MLFLOW_TRACKING_URI: mlflow.url }, stop: () => mlflow.close() };
}

const server = await start();
process.stdout.write(JSON.stringify({ env: server.env }) + '\n');

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
}
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
