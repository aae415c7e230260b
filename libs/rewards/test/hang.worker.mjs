// A grading worker that never answers: lets the pool's timeout path be tested for real.
import { parentPort } from 'node:worker_threads';
parentPort.on('message', () => {});
