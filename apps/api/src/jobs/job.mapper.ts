import {
  EntropyTarget,
  formatResourceName,
  jobName,
  JobSpec,
  JobState,
  StepRecord,
  type Job,
} from '@aepo/contracts';
import type { JobEntity, JobStateName } from '../database/entities/index.js';

export function stateToProto(state: JobStateName): JobState {
  return JobState[`JOB_STATE_${state}` as keyof typeof JobState];
}

export function stateFromProto(state: JobState): JobStateName | undefined {
  const name = String(state).replace(/^JOB_STATE_/, '');
  return ['QUEUED', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED'].includes(name)
    ? (name as JobStateName)
    : undefined;
}

/** The stored row as the public Job message; the current entropy target replaces the spec's. */
export function toJobProto(e: JobEntity): Job {
  const spec = JobSpec.fromJSON(e.spec);
  if (e.entropyTarget !== null && e.entropyTarget !== undefined)
    spec.entropyTarget = EntropyTarget.fromJSON(e.entropyTarget);
  return {
    name: jobName(e.projectId, e.id),
    displayName: e.displayName,
    spec,
    state: stateToProto(e.state),
    createTime: e.createTime,
    startTime: e.startTime ?? undefined,
    endTime: e.endTime ?? undefined,
    updateTime: e.updateTime,
    error: e.error ? { code: e.error.code, message: e.error.message, details: [] } : undefined,
    attempt: e.attempt,
    currentStep: e.currentStep,
    cancelRequested: e.cancelRequested,
    pauseRequested: e.pauseRequested,
    entropyTargetRevision: e.entropyTargetRevision,
    latestStep: e.latestStep ? StepRecord.fromJSON(e.latestStep) : undefined,
    bestCheckpoint:
      e.bestCheckpointStep === null || e.bestCheckpointStep === undefined
        ? ''
        : formatResourceName('checkpoint', e.projectId, e.id, e.bestCheckpointStep),
    leaseExpirations: e.leaseExpirations,
    exportedModelUri: e.exportedModelUri ?? '',
  };
}
