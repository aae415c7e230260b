import { parentPort } from 'node:worker_threads';
import { grade } from './grade.js';
import type { GradingRequest, GradingResponse, WorkerReady } from './grading-pool.js';

// Worker side of GradingPool: grades one chunk per message, in order.
parentPort?.on('message', (req: GradingRequest) => {
  const results = req.items.map((it) => grade(it.pred, it.gold, it.spec));
  const res: GradingResponse = { id: req.id, results };
  parentPort!.postMessage(res);
});

// Modules loaded: from now on the pool's watchdog measures grading, not start-up.
parentPort?.postMessage({ ready: true } satisfies WorkerReady);
