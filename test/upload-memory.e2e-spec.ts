/**
 * UploadDataset streams its rows into Postgres instead of holding the upload: a real API process (its
 * V8 heap capped at the upload's size) takes a 64 MB upload, and its peak resident memory (VmHWM)
 * grows by less than half of that. Holding the rows, it would run out of heap and die.
 */
import { UploadDatasetRequest, type UploadDatasetResponse } from '@aepo/contracts';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiProcess,
  PublicClient,
  buildApps,
  freePort,
  startApi,
} from './support/executor-processes.js';

const MB = 1024 * 1024;
const UPLOAD_MB = 64;
const ROW_BYTES = 4096;
const dir = mkdtempSync(path.join(tmpdir(), 'aepo-upload-memory-'));
chmodSync(dir, 0o755);
let api: ApiProcess;
let client: PublicClient;

/** Peak resident memory of a process so far (Linux /proc). */
function peakRss(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(kb) * 1024;
}

beforeAll(async () => {
  await buildApps();
  api = await startApi({
    dataDir: dir,
    pgPort: await freePort(),
    grpcPort: await freePort(),
    httpPort: await freePort(),
    bootstrap: true,
    env: { NODE_OPTIONS: '--max-old-space-size=64', AEPO_API_DATASET_MAX_BYTES: String(512 * MB) },
  });
  client = new PublicClient(api.grpcAddress, api.apiKey!);
});

afterAll(async () => {
  client?.close();
  await api?.proc.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('UploadDataset memory', () => {
  it(`takes a ${UPLOAD_MB} MB upload without growing by its size`, async () => {
    // A small upload first, so that the connection, pool and code paths are warm in the baseline.
    await client.uploadDataset('warm-up', [{ prompt: '1+1=', answer: '2' }]);
    const before = peakRss(api.proc.pid);
    const rows = (UPLOAD_MB * MB) / ROW_BYTES;
    const payload = 'y'.repeat(ROW_BYTES - 16);
    const res = await new Promise<UploadDatasetResponse>((resolve, reject) => {
      const s = client.raw.uploadDataset(client.md, (err, r) => (err ? reject(err) : resolve(r)));
      s.write(
        UploadDatasetRequest.fromPartial({ metadata: { displayName: 'big', labels: {}, requestId: '' } }),
      );
      let i = 0;
      // Back-pressure: write until the stream's buffer is full, go on when it drained.
      const pump = () => {
        while (i < rows) {
          const batch = Array.from({ length: 64 }, (_, k) => ({
            prompt: `${String(i + k).padStart(8, '0')}:${payload}`,
            answer: '1',
            id: '',
          }));
          i += batch.length;
          if (!s.write(UploadDatasetRequest.fromPartial({ rows: batch }))) return void s.once('drain', pump);
        }
        s.end();
      };
      pump();
    });
    expect(res.dataset!.rowCount).toBe(rows);
    expect(res.dataset!.sizeBytes).toBeGreaterThan(UPLOAD_MB * MB * 0.99);
    const grew = peakRss(api.proc.pid) - before;
    expect(api.proc.running).toBe(true);
    expect(grew).toBeLessThan((UPLOAD_MB / 2) * MB);
  });
});
