import { Inject, Injectable } from '@nestjs/common';
import {
  EntropyTarget,
  jobName,
  JobSpec,
  type CreateJobRequest,
  type Job,
  type JobState,
} from '@aepo/contracts';
import { randomUUID } from 'node:crypto';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { decodePageToken, encodePageToken, pageSize, TIME_ID_CURSOR } from '../common/page-token.js';
import { checkDisplayName, checkLabels, REQUEST_ID_RE, UUID_RE, Violations } from '../common/violations.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import type { JobEntity, JobStateName } from '../database/entities/index.js';
import { applySpecDefaults, createdMessage, entropyTargetWithDefaults } from './job-spec.defaults.js';
import { checkScheduleFitsSteps, validateEntropyTarget, validateJobSpec } from './job-spec.validator.js';
import type { Tx } from '../database/tx.js';
import {
  assertNotTerminal,
  cancelCommand,
  pauseCommand,
  resumeCommand,
  type CommandDecision,
} from './job-state.machine.js';
import { stateFromProto, toJobProto } from './job.mapper.js';
import { ProjectQuotas } from '../quotas/project-quotas.js';
import { JobRepository } from './job.repository.js';
import { createJobRequestHash } from './request-hash.js';
import { missingDatasetsError, resolveSpecDatasets } from './job-datasets.js';

@Injectable()
export class JobService {
  constructor(
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(ProjectQuotas) private readonly quotas: ProjectQuotas,
  ) {}

  async create(projectId: string, req: CreateJobRequest): Promise<Job> {
    const v = validateJobSpec(req.spec, this.config.models);
    checkDisplayName(v, 'display_name', req.displayName);
    if (req.requestId !== '' && !REQUEST_ID_RE.test(req.requestId)) {
      v.add('request_id', 'must be 1..100 characters of [A-Za-z0-9_-]');
    }
    const requestHash = createJobRequestHash(req);
    if (req.requestId !== '') {
      // A retry of the same request returns the first job (AIP-155); another request is refused.
      const existing = await this.jobs.getByRequestId(projectId, req.requestId);
      if (existing) return sameRequest(existing, req.requestId, requestHash);
    }
    if (!v.empty || req.spec === undefined) throw ApiError.invalid(v.list);
    const datasets = resolveSpecDatasets(projectId, req.spec);
    const spec = applySpecDefaults(datasets.spec, undefined, { mlflow: this.config.mlflow });
    const datasetIds = [
      datasets.trainingId,
      ...(datasets.validationId === null ? [] : [datasets.validationId]),
    ];
    const { job, missingDatasets } = await this.quotas.withJobSlot(projectId, (tx) =>
      this.jobs.insertQueued(
        tx,
        {
          id: randomUUID(),
          projectId,
          displayName: req.displayName,
          requestId: req.requestId === '' ? null : req.requestId,
          requestHash: req.requestId === '' ? null : requestHash,
          spec: JobSpec.toJSON(spec),
          labels: spec.labels,
          baseModel: spec.baseModel,
          trainingDatasetId: datasets.trainingId,
          validationDatasetId: datasets.validationId,
          entropyTarget: spec.entropyTarget ? EntropyTarget.toJSON(spec.entropyTarget) : null,
        },
        datasetIds,
        createdMessage(spec),
      ),
    );
    if (missingDatasets.length > 0) throw missingDatasetsError(projectId, datasets, missingDatasets);
    if (job) return toJobProto(job);
    const winner = await this.jobs.getByRequestId(projectId, req.requestId);
    if (!winner) throw new Error('job insert conflicted but no job carries its request_id');
    return sameRequest(winner, req.requestId, requestHash);
  }

  async get(projectId: string, id: string): Promise<Job> {
    return toJobProto(await this.find(projectId, id));
  }

  /** The job entity, or NOT_FOUND (also for other projects' jobs and malformed ids). */
  async find(projectId: string, id: string, field = 'id'): Promise<JobEntity> {
    if (id === '') throw ApiError.invalid([{ field, description: 'is required' }]);
    const job = UUID_RE.test(id) ? await this.jobs.get(projectId, id) : null;
    if (!job) throw ApiError.notFound('job', id);
    return job;
  }

  async list(
    projectId: string,
    size: number,
    token: string,
    states: JobState[],
    labels: Record<string, string>,
  ): Promise<{ jobs: Job[]; nextPageToken: string }> {
    const limit = pageSize(size, 50);
    const v = new Violations();
    const stateNames: JobStateName[] = [];
    states.forEach((s, i) => {
      const name = stateFromProto(s);
      if (name) stateNames.push(name);
      else v.add(`states[${i}]`, 'unknown state');
    });
    checkLabels(v, 'labels', labels);
    if (!v.empty) throw ApiError.invalid(v.list);
    const fingerprint = JSON.stringify([
      [...stateNames].sort(),
      Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)),
    ]);
    const after = decodePageToken(token, fingerprint, TIME_ID_CURSOR) as [string, string] | undefined;
    const rows = await this.jobs.list(projectId, { states: stateNames, labels }, after, limit);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      jobs: page.map(toJobProto),
      nextPageToken:
        rows.length > limit && last
          ? encodePageToken([last.createTime.toISOString(), last.id], fingerprint)
          : '',
    };
  }

  /** Runs `fn` on the locked job of the project; NOT_FOUND when absent. */
  private async withJob(projectId: string, id: string, fn: (tx: Tx, job: JobEntity) => Promise<JobEntity>) {
    if (id === '') throw ApiError.invalid([{ field: 'id', description: 'is required' }]);
    if (!UUID_RE.test(id)) throw ApiError.notFound('job', id);
    const updated = await this.jobs.transaction(async (tx) => {
      const locked = await this.jobs.lock(tx, id, projectId);
      if (!locked) throw ApiError.notFound('job', id);
      return fn(tx, locked.job);
    });
    return toJobProto(updated);
  }

  /** Runs a user's command as the state machine decides it. */
  private command(projectId: string, id: string, decide: (job: JobEntity) => CommandDecision): Promise<Job> {
    return this.withJob(projectId, id, async (tx, job) => {
      const decision = decide(job);
      if (decision.kind === 'transition') return this.jobs.applyTransition(tx, job, decision.transition);
      if (decision.kind === 'request') return this.jobs.changeRequests(tx, job.id, decision.change);
      return job;
    });
  }

  cancel(projectId: string, id: string): Promise<Job> {
    return this.command(projectId, id, cancelCommand);
  }

  pause(projectId: string, id: string): Promise<Job> {
    return this.command(projectId, id, pauseCommand);
  }

  resume(projectId: string, id: string): Promise<Job> {
    return this.command(projectId, id, resumeCommand);
  }

  /** Replaces the entropy target of a live job (UpdateJob), recorded as a TARGET_UPDATED event. */
  replaceEntropyTarget(projectId: string, id: string, target: EntropyTarget | undefined): Promise<Job> {
    const v = new Violations();
    validateEntropyTarget(v, 'entropy_target', target, true);
    if (!v.empty || target === undefined) return Promise.reject(ApiError.invalid(v.list));
    return this.withJob(projectId, id, async (tx, job) => {
      assertNotTerminal(job);
      const maxSteps = JobSpec.fromJSON(job.spec).optimization?.maxSteps ?? 0;
      checkScheduleFitsSteps(v, 'entropy_target', target, maxSteps);
      if (!v.empty) throw ApiError.invalid(v.list);
      const stored = EntropyTarget.toJSON(entropyTargetWithDefaults(target, maxSteps));
      const updated = await this.jobs.setEntropyTarget(tx, job.id, stored);
      await this.jobs.appendEvents(tx, job.id, [
        {
          type: 'TARGET_UPDATED',
          attempt: job.attempt,
          message: `entropy target updated: ${JSON.stringify(stored)}`,
          entropyTargetRevision: updated.entropyTargetRevision,
        },
      ]);
      return updated;
    });
  }
}

/**
 * The job created by an earlier request with this request_id, if that request was this one; else
 * ALREADY_EXISTS (the id is taken, by another request). Jobs stored without a hash (created before it
 * was recorded) are returned as before.
 */
function sameRequest(job: JobEntity, requestId: string, requestHash: string): Job {
  if (job.requestHash === null || job.requestHash === requestHash) return toJobProto(job);
  throw new ApiError(
    ApiErrorCode.ALREADY_EXISTS,
    `request_id ${JSON.stringify(requestId)} was already used with a different request (${jobName(job.projectId, job.id)}); ` +
      'retry with the same request, or use a new request_id for a new job',
    [
      {
        field: 'request_id',
        description: `already used with a different request (${jobName(job.projectId, job.id)})`,
      },
    ],
  );
}
