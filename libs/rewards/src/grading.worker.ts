import { parentPort } from 'node:worker_threads';
import { grade } from './grade.js';
import type { GradingRequest, GradingResponse } from './grading-pool.js';

// Worker side of GradingPool: grades one chunk per message, in order.
parentPort?.on('message', (req: GradingRequest) => {
  const results = req.items.map((it) => grade(it.pred, it.gold, it.spec));
  const res: GradingResponse = { id: req.id, results };
  parentPort!.postMessage(res);
});
