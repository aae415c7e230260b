import { MlflowError, type MlflowClient } from './mlflow.client.js';
import { targetEntropyTag } from './mlflow.mapping.js';
import type { TrackedCheckpoint, TrackedJob } from './mlflow-run.repository.js';

/** The run artifact folder that stands for a checkpoint MLflow cannot reference directly. */
export const CHECKPOINT_ARTIFACT_DIR = 'checkpoint';
export const CHECKPOINT_POINTER_FILE = 'aepo-checkpoint.json';
/** model_version value stored when a succeeded job had no checkpoint to register. */
export const NO_CHECKPOINT = 'none';

/**
 * A local path (`/data/ckpt/...`, `file:...`) is refused by MLflow 3 as a model version source unless
 * it lies inside the run's own local artifact folder; the executors' shared volume never does.
 */
export function isLocalUri(uri: string): boolean {
  return uri.startsWith('/') || uri.startsWith('file:') || !/^[a-z][a-z0-9+.-]*:/i.test(uri);
}

export interface Registration {
  name: string;
  runId: string;
  artifactUri: string;
  job: TrackedJob;
  checkpoint: TrackedCheckpoint | null;
}

/**
 * Registers the job's checkpoint as a new version of the registered model (created if missing) and
 * returns the version. An object-store URI (s3://...) is the version's source as it is; a local path
 * becomes a run artifact reference (`runs:/<run>/checkpoint`, holding a pointer file with the path),
 * and so does any URI the server refuses. A retry after a lost answer finds the version made from
 * this run instead of adding another.
 */
export async function registerModel(client: MlflowClient, r: Registration): Promise<string> {
  const c = r.checkpoint;
  if (c === null) {
    await client.logBatch(r.runId, {
      tags: [{ key: 'registered_model', value: 'none: the job saved no checkpoint' }],
    });
    return NO_CHECKPOINT;
  }
  await client.ensureRegisteredModel(r.name);
  const existing = await client.findModelVersion(r.name, r.runId);
  if (existing !== undefined) return existing;
  const tags = [
    { key: 'job_id', value: r.job.id },
    { key: 'target_entropy', value: targetEntropyTag(r.job.entropyTarget) },
    { key: 'checkpoint_uri', value: c.uri },
    { key: 'checkpoint_step', value: String(c.step) },
    { key: 'in_band', value: String(c.inBand) },
  ];
  const description =
    `AEPO job ${r.job.id}, checkpoint of step ${c.step} ` +
    `(${c.inBand ? 'best in the entropy band' : 'final, not in band'}; entropy ${c.entropy.toFixed(4)})`;
  let version: string;
  if (!isLocalUri(c.uri)) {
    try {
      version = await client.createModelVersion(r.name, c.uri, r.runId, tags, description);
      await tagRun(client, r, version);
      return version;
    } catch (err) {
      if (!(err instanceof MlflowError) || err.errorCode !== 'INVALID_PARAMETER_VALUE') throw err;
    }
  }
  await client.putRunArtifact(
    r.artifactUri,
    `${CHECKPOINT_ARTIFACT_DIR}/${CHECKPOINT_POINTER_FILE}`,
    Buffer.from(
      JSON.stringify(
        {
          job_id: r.job.id,
          checkpoint_id: c.id,
          step: c.step,
          uri: c.uri,
          entropy: c.entropy,
          in_band: c.inBand,
          reward_mean: c.rewardMean,
          validation_accuracy: c.validationAccuracy,
        },
        null,
        2,
      ) + '\n',
    ),
  );
  version = await client.createModelVersion(
    r.name,
    `runs:/${r.runId}/${CHECKPOINT_ARTIFACT_DIR}`,
    r.runId,
    tags,
    description,
  );
  await tagRun(client, r, version);
  return version;
}

async function tagRun(client: MlflowClient, r: Registration, version: string): Promise<void> {
  await client.logBatch(r.runId, {
    tags: [{ key: 'registered_model', value: `${r.name}/${version}` }],
  });
}
