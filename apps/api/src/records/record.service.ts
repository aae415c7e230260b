import { Inject, Injectable } from '@nestjs/common';
import {
  EvaluationRecord,
  formatResourceName,
  jobName,
  JobEventType,
  JobState,
  StepRecord,
  type Checkpoint,
  type JobEvent,
} from '@aepo/contracts';
import { map, type Observable } from 'rxjs';
import { decodePageToken, encodePageToken, pageSize, STEP_CURSOR } from '../common/page-token.js';
import { NotifyRepository } from '../database/notify.repository.js';
import type { CheckpointEntity, JobEventEntity, JobStateName } from '../database/entities/index.js';
import { isTerminal } from '../jobs/job-state.machine.js';
import { stateToProto } from '../jobs/job.mapper.js';
import { JobRepository } from '../jobs/job.repository.js';
import { JobService } from '../jobs/job.service.js';
import { ShutdownSignal } from '../server/shutdown.signal.js';
import { followJob } from './follow.stream.js';
import { RecordRepository, type RecordCursor, type StoredRecord } from './record.repository.js';

export function toStepProto(r: StoredRecord): StepRecord {
  return { ...StepRecord.fromJSON(r.record), step: r.step, attempt: r.attempt, createTime: r.createTime };
}

export function toEvaluationProto(r: StoredRecord): EvaluationRecord {
  return {
    ...EvaluationRecord.fromJSON(r.record),
    step: r.step,
    attempt: r.attempt,
    createTime: r.createTime,
  };
}

/** An event of a job of project `projectId` (the row knows its job, not the job's project). */
export function toEventProto(e: JobEventEntity, projectId: string): JobEvent {
  return {
    sequence: e.sequence,
    job: jobName(projectId, e.jobId),
    createTime: e.createTime,
    type: JobEventType[`JOB_EVENT_TYPE_${e.type}` as keyof typeof JobEventType] ?? JobEventType.UNRECOGNIZED,
    fromState: e.fromState ? stateToProto(e.fromState as JobStateName) : JobState.JOB_STATE_UNSPECIFIED,
    toState: e.toState ? stateToProto(e.toState as JobStateName) : JobState.JOB_STATE_UNSPECIFIED,
    attempt: e.attempt,
    message: e.message,
    entropyTargetRevision: e.entropyTargetRevision,
  };
}

/** A checkpoint of a job of project `projectId`, named by its step (unique per job). */
export function toCheckpointProto(c: CheckpointEntity, projectId: string): Checkpoint {
  return {
    name: formatResourceName('checkpoint', projectId, c.jobId, c.step),
    step: c.step,
    createTime: c.createTime,
    uri: c.uri,
    entropy: c.entropy,
    inBand: c.inBand,
    rewardMean: c.rewardMean,
    validationAccuracy: c.validationAccuracy ?? undefined,
    attempt: c.attempt,
    sizeBytes: c.sizeBytes,
  };
}

/** Paged lists and live streams of a job's records, events and checkpoints. */
@Injectable()
export class RecordService {
  constructor(
    @Inject(RecordRepository) private readonly records: RecordRepository,
    @Inject(JobService) private readonly jobService: JobService,
    @Inject(JobRepository) private readonly jobs: JobRepository,
    @Inject(NotifyRepository) private readonly notifier: NotifyRepository,
    @Inject(ShutdownSignal) private readonly shutdown: ShutdownSignal,
  ) {}

  private async page<T, P>(
    projectId: string,
    jobId: string,
    size: number,
    token: string,
    kind: string,
    fetch: (after: number, limit: number) => Promise<T[]>,
    cursorOf: (t: T) => number,
    map: (t: T) => P,
  ): Promise<{ items: P[]; nextPageToken: string }> {
    await this.jobService.find(projectId, jobId, 'parent');
    const limit = pageSize(size, 100);
    const after = decodePageToken(token, `${kind}:${jobId}`, STEP_CURSOR);
    const cursor = after === undefined ? 0 : Number(after[0]);
    const rows = await fetch(cursor, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(map),
      nextPageToken: rows.length > limit && last ? encodePageToken([cursorOf(last)], `${kind}:${jobId}`) : '',
    };
  }

  listSteps(projectId: string, jobId: string, size: number, token: string) {
    return this.page(
      projectId,
      jobId,
      size,
      token,
      'steps',
      (a, l) => this.records.records('step_records', jobId, a, l),
      (r) => r.step,
      toStepProto,
    );
  }

  listEvaluations(projectId: string, jobId: string, size: number, token: string) {
    return this.page(
      projectId,
      jobId,
      size,
      token,
      'evaluations',
      (a, l) => this.records.records('evaluation_records', jobId, a, l),
      (r) => r.step,
      toEvaluationProto,
    );
  }

  listEvents(projectId: string, jobId: string, size: number, token: string) {
    return this.page(
      projectId,
      jobId,
      size,
      token,
      'events',
      (a, l) => this.records.events(jobId, a, l),
      (e) => e.sequence,
      (e) => toEventProto(e, projectId),
    );
  }

  listCheckpoints(projectId: string, jobId: string, size: number, token: string) {
    return this.page(
      projectId,
      jobId,
      size,
      token,
      'checkpoints',
      (a, l) => this.records.checkpoints(jobId, a, l),
      (c) => c.step,
      (c) => toCheckpointProto(c, projectId),
    );
  }

  private finished(projectId: string, jobId: string) {
    return async () => {
      const job = await this.jobs.get(projectId, jobId);
      return job === null || isTerminal(job.state);
    };
  }

  async streamSteps(projectId: string, jobId: string, afterStep: number): Promise<Observable<StepRecord>> {
    await this.jobService.find(projectId, jobId, 'parent');
    // Replays by step, then follows by write order: steps re-trained after a rewind to a checkpoint
    // (a record for a step the client already has, which replaces it) are sent again.
    const cursor: RecordCursor = {
      afterStep: Math.max(0, afterStep),
      minStep: Math.max(0, afterStep),
      watermark: await this.records.maxRevision('step_records', jobId),
      afterRevision: 0,
    };
    return followJob<StoredRecord, RecordCursor>(
      jobId,
      cursor,
      {
        fetch: (c, l) => this.records.recordsForStream('step_records', jobId, c, l),
        advance: (c, r) =>
          r.revision <= c.watermark ? { ...c, afterStep: r.step } : { ...c, afterRevision: r.revision },
        isFinished: this.finished(projectId, jobId),
      },
      this.notifier,
      this.shutdown,
    ).pipe(map(toStepProto));
  }

  async streamEvents(projectId: string, jobId: string, afterSequence: number): Promise<Observable<JobEvent>> {
    await this.jobService.find(projectId, jobId, 'parent');
    return followJob(
      jobId,
      Math.max(0, afterSequence),
      {
        fetch: async (a, l) =>
          (await this.records.events(jobId, a, l)).map((e) => toEventProto(e, projectId)),
        advance: (_c, e) => e.sequence,
        isFinished: this.finished(projectId, jobId),
      },
      this.notifier,
      this.shutdown,
    );
  }
}
