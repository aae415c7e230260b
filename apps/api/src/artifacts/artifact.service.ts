/**
 * Presigned download URLs of a job's model files, from the manifest the executor wrote last: a
 * checkpoint (by step, or the best in band) or the model exported when the job succeeded. The API
 * never proxies the bytes; clients fetch them straight from the object store and check each file's
 * sha256 against the answer.
 */
import { type GetArtifactDownloadUrlsRequest, type GetArtifactDownloadUrlsResponse } from '@aepo/contracts';
import {
  ObjectStore,
  artifactKeys,
  isTransientStoreError,
  modelFilesOf,
  parseManifest,
} from '@aepo/artifacts';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { LOGGER } from '../common/logger.js';
import { Violations } from '../common/violations.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { JobService } from '../jobs/job.service.js';
import { ArtifactRepository } from './artifact.repository.js';

/** S3's longest presigned URL lifetime (7 days). */
const MAX_TTL_SECONDS = 604_800;

@Injectable()
export class ArtifactService implements OnModuleDestroy {
  private readonly store: ObjectStore | null;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(JobService) private readonly jobs: JobService,
    @Inject(ArtifactRepository) private readonly repo: ArtifactRepository,
    @Inject(LOGGER) private readonly log: Logger,
  ) {
    this.store = config.objectStore ? new ObjectStore(config.objectStore) : null;
  }

  onModuleDestroy(): void {
    this.store?.close();
  }

  /** Download URLs of an artifact of job `jobId` (the id of `req.name`). */
  async downloadUrls(
    projectId: string,
    jobId: string,
    req: GetArtifactDownloadUrlsRequest,
  ): Promise<GetArtifactDownloadUrlsResponse> {
    checkRequest(req);
    const job = await this.jobs.find(projectId, jobId, 'name');
    const store = this.store;
    if (!store) {
      throw new ApiError(
        ApiErrorCode.NOT_CONFIGURED,
        "no object store is configured (AEPO_ARTIFACTS_S3_BUCKET): checkpoints stay on the executors' volume; copy them from there",
      );
    }
    const { folder, missing } = await this.locate(store, job, req);
    let raw: unknown;
    try {
      raw = await store.getJson(artifactKeys.manifest(folder));
    } catch (e) {
      if (!isTransientStoreError(e)) throw e;
      this.log.warn({ err: e }, 'object store unavailable');
      throw new ApiError(ApiErrorCode.DEPENDENCY_UNAVAILABLE, 'the object store did not answer; retry later');
    }
    if (raw === null) throw new ApiError(ApiErrorCode.NOT_FOUND, missing);
    // A manifest the API cannot read is a server-side fault (INTERNAL), logged with its reason.
    const manifest = parseManifest(raw, store.uri(folder));
    const files = modelFilesOf(manifest);
    const ttl = req.urlTtlSeconds || this.config.artifactUrlTtlSeconds;
    const expireTime = new Date(Date.now() + ttl * 1000);
    return {
      step: manifest.step,
      uri: store.uri(folder),
      files: await Promise.all(
        files.map(async (f) => ({
          path: f.modelPath,
          sizeBytes: f.size,
          sha256: f.sha256,
          url: await store.presignGet(folder + f.path, ttl),
        })),
      ),
      expireTime,
    };
  }

  /** The artifact's folder in the bucket. */
  private async locate(
    store: ObjectStore,
    job: { id: string; bestCheckpointId: string | null; exportedModelUri: string | null },
    req: GetArtifactDownloadUrlsRequest,
  ): Promise<{ folder: string; missing: string }> {
    if (req.exportedModel) {
      // The job's record (CompleteJob writes it once the model's files and manifest are up).
      const missing = `job ${job.id} has no exported model (one is exported when the job succeeds)`;
      if (!job.exportedModelUri) throw new ApiError(ApiErrorCode.NOT_FOUND, missing);
      return { folder: this.folderIn(store, job.exportedModelUri, 'the exported model'), missing };
    }
    const checkpoint =
      req.checkpointStep !== undefined
        ? await this.repo.listedCheckpoint(job.id, { step: req.checkpointStep })
        : job.bestCheckpointId
          ? await this.repo.listedCheckpoint(job.id, { id: job.bestCheckpointId })
          : null;
    if (!checkpoint) {
      throw new ApiError(
        ApiErrorCode.NOT_FOUND,
        req.checkpointStep !== undefined
          ? `job ${job.id} has no listed checkpoint at step ${req.checkpointStep} (never saved, or pruned)`
          : `job ${job.id} has no checkpoint inside the entropy band`,
      );
    }
    return {
      folder: this.folderIn(store, checkpoint.uri, `the checkpoint at step ${checkpoint.step}`),
      missing: `the checkpoint at step ${checkpoint.step} of job ${job.id} has no manifest in the object store`,
    };
  }

  /** The bucket folder of a recorded artifact URI; NOT_CONFIGURED when it lies outside this store. */
  private folderIn(store: ObjectStore, uri: string, what: string): string {
    const folder = store.keyOf(uri.endsWith('/') ? uri : `${uri}/`);
    if (folder === null) {
      throw new ApiError(
        ApiErrorCode.NOT_CONFIGURED,
        `${what} is stored at ${uri}, not in the configured object store ${store.uri('')}`,
      );
    }
    return folder;
  }
}

function checkRequest(req: GetArtifactDownloadUrlsRequest): void {
  const v = new Violations();
  const chosen = [req.checkpointStep, req.bestCheckpoint, req.exportedModel].filter((x) => x !== undefined);
  if (chosen.length !== 1)
    v.add('artifact', 'set exactly one of checkpoint_step, best_checkpoint, exported_model');
  v.range('checkpoint_step', req.checkpointStep, 0, 1e12, { integer: true });
  if (req.bestCheckpoint === false) v.add('best_checkpoint', 'must be true when set');
  if (req.exportedModel === false) v.add('exported_model', 'must be true when set');
  v.range('url_ttl_seconds', req.urlTtlSeconds, 0, MAX_TTL_SECONDS, { integer: true });
  if (!v.empty) throw ApiError.invalid(v.list);
}
