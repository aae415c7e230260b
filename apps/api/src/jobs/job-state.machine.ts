import type { JobStateName } from '../database/entities/index.js';

/** Allowed transitions (see proto JobState); everything else is refused with FAILED_PRECONDITION. */
const TRANSITIONS: Record<JobStateName, readonly JobStateName[]> = {
  QUEUED: ['RUNNING', 'PAUSED', 'CANCELLED'],
  RUNNING: ['QUEUED', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED'],
  PAUSED: ['QUEUED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

export function canTransition(from: JobStateName, to: JobStateName): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(state: JobStateName): boolean {
  return TRANSITIONS[state].length === 0;
}

/** States in which a job still needs its datasets. */
export const LIVE_STATES: readonly JobStateName[] = ['QUEUED', 'RUNNING', 'PAUSED'];
