/**
 * Runs of the retarget experiment that can share their common prefix: the steps before the target
 * jumps see a constant target, where every controller setting behaves the same, so the state at the
 * step before the jump (engine checkpoint + trainer state + the records so far) can be saved once and
 * resumed by later runs that differ only in how they follow the jump. The engine's checkpoint round
 * trip continues exactly (engine_test.py), so a resumed run equals one from scratch.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Example, type StepRecord, Trainer, type TrainerState } from '@aepo/aepo';
import type { EngineClient } from '../../apps/gpu-executor/src/engine/engine-client.js';
import {
  type CommonSettings,
  type RunResult,
  type RunSpec,
  loadInitial,
  mathReward,
} from './entropy-runs.js';

interface Prefix {
  state: TrainerState;
  records: StepRecord[];
}

/**
 * Trains one run to the end. With `prefix`, the state after step `prefix.step` is read from
 * `prefix.dir` when it is there (resume), or written there when the run passes that step.
 */
export async function runWithPrefix(
  client: EngineClient,
  common: CommonSettings,
  spec: RunSpec,
  train: Example[],
  prefix: { dir: string; step: number } | null,
): Promise<RunResult> {
  const config = await loadInitial(client, common, spec);
  const saved = prefix && existsSync(join(prefix.dir, 'prefix.json')) ? prefix : null;
  let records: StepRecord[] = [];
  let state: TrainerState | undefined;
  if (saved) {
    const p = JSON.parse(readFileSync(join(saved.dir, 'prefix.json'), 'utf8')) as Prefix;
    await client.loadCheckpoint(join(saved.dir, 'engine'));
    ({ state, records } = p);
  }
  const trainer = new Trainer({ config, engine: client, reward: mathReward, trainSet: train, state });
  const t0 = performance.now();
  await trainer.run({
    onStep: async (o) => {
      records.push(o.record);
      if (prefix && !saved && o.record.step === prefix.step) {
        mkdirSync(prefix.dir, { recursive: true });
        await client.saveCheckpoint(join(prefix.dir, 'engine'));
        const p: Prefix = { state: trainer.state(), records };
        writeFileSync(join(prefix.dir, 'prefix.json'), JSON.stringify(p));
      }
    },
  });
  return {
    name: spec.name,
    target: spec.target,
    seed: common.seed,
    records,
    evaluations: [],
    seconds: (performance.now() - t0) / 1000,
  };
}
