import { ObjectStore } from '@aepo/artifacts';
import type { Logger } from 'pino';
import type { ExecutorConfig } from '../config/executor-config.js';
import { type CheckpointBackend, CheckpointStore } from './checkpoint.store.js';
import { ObjectCheckpointStore } from './object-checkpoint.store.js';

/** The checkpoint folder (the default), or the configured object store with that folder as scratch. */
export function checkpointBackend(config: ExecutorConfig, log: Logger): CheckpointBackend {
  const folder = new CheckpointStore(config.checkpointRoot);
  if (!config.objectStore) return folder;
  const store = new ObjectStore(config.objectStore);
  log.info({ artifacts: store.uri('') }, 'checkpoints and exported models go to the object store');
  return new ObjectCheckpointStore({
    store,
    scratch: folder,
    retry: {
      initialMs: config.artifactsRetryInitialMs,
      maxMs: config.artifactsRetryMaxMs,
      giveUpAfterMs: config.artifactsGiveUpSeconds * 1000,
    },
    log,
  });
}
