// A grading worker that starts (says it is ready, as grading.worker.ts does) and then never answers:
// lets the pool's timeout path be tested for real.
import { parentPort } from 'node:worker_threads';
parentPort.on('message', () => {});
parentPort.postMessage({ ready: true });
