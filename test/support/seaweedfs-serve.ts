/**
 * `vite-node --config vitest.config.ts test/support/seaweedfs-serve.ts <data-dir>`: the tests' S3 server
 * (S3TestServer) for a test runner outside vitest (the Python client's pytest). Prints one JSON line,
 * `{"env": {AEPO_ARTIFACTS_S3_*...}}`, once the bucket answers; stops the server when its standard
 * input closes (the parent exited) or on SIGTERM/SIGINT.
 */
import { S3TestServer } from './seaweedfs.js';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: seaweedfs-serve.ts <data-dir>\n');
  process.exit(2);
}
const server = await S3TestServer.start(dataDir);
process.stdout.write(JSON.stringify({ env: server.env() }) + '\n');

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
