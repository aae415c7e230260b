/**
 * Where a job's artifacts live in the bucket (keys relative to the configured prefix):
 *   <job>/checkpoints/step-<N>/...            a checkpoint's files (trainer.json, engine/...)
 *   <job>/checkpoints/step-<N>/manifest.json  written last: without it the checkpoint does not exist
 *   <job>/model/...  + manifest.json          the model exported when the job succeeded
 */
export const MANIFEST_NAME = 'manifest.json';

export const artifactKeys = {
  checkpoints(jobId: string): string {
    return `${checkedJob(jobId)}/checkpoints/`;
  },
  checkpoint(jobId: string, step: number): string {
    return `${checkedJob(jobId)}/checkpoints/step-${step}/`;
  },
  model(jobId: string): string {
    return `${checkedJob(jobId)}/model/`;
  },
  manifest(folderKey: string): string {
    return folderKey + MANIFEST_NAME;
  },
  /** The step of any key inside a checkpoint folder, else null. */
  stepOf(key: string): number | null {
    const m = /\/checkpoints\/step-(\d+)\//.exec(key);
    return m ? Number(m[1]) : null;
  },
  /** The step of a checkpoint manifest's key (`<job>/checkpoints/step-N/manifest.json`), else null. */
  stepOfManifest(key: string): number | null {
    const m = /\/checkpoints\/step-(\d+)\/manifest\.json$/.exec(key);
    return m ? Number(m[1]) : null;
  },
};

function checkedJob(jobId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(jobId)) throw new Error(`unusable job id for an object key: ${jobId}`);
  return jobId;
}
