import { status as GrpcStatus } from '@grpc/grpc-js';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import type { JobStateName } from '../database/entities/index.js';

/**
 * The job state machine: the one place that decides a job's next state. Pure (no database): callers
 * pass what they know of the job, and a repository executes the returned decision in SQL.
 */

/** Allowed transitions (see proto JobState); everything else is refused with FAILED_PRECONDITION. */
const TRANSITIONS: Record<JobStateName, readonly JobStateName[]> = {
  QUEUED: ['RUNNING', 'PAUSED', 'CANCELLED'],
  RUNNING: ['QUEUED', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED'],
  PAUSED: ['QUEUED', 'CANCELLED'],
  SUCCEEDED: [],
  FAILED: [],
  CANCELLED: [],
};

export const JOB_STATES = Object.keys(TRANSITIONS) as JobStateName[];

/** A new job starts here. */
export const INITIAL_STATE: JobStateName = 'QUEUED';

/** States in which a job still needs its datasets. */
export const LIVE_STATES: readonly JobStateName[] = ['QUEUED', 'RUNNING', 'PAUSED'];

export function canTransition(from: JobStateName, to: JobStateName): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(state: JobStateName): boolean {
  return TRANSITIONS[state].length === 0;
}

/** What the machine needs to know of a job. */
export interface JobFacts {
  id: string;
  state: JobStateName;
  attempt: number;
  cancelRequested: boolean;
  pauseRequested: boolean;
  leaseExpirations: number;
  leasedBy: string | null;
}

/** A job event the decision appends (the repository numbers it). */
export interface DecidedEvent {
  type: string;
  fromState?: JobStateName;
  toState?: JobStateName;
  attempt: number;
  message: string;
}

/** A decided state change and every column it implies; the repository writes exactly this. */
export interface Transition {
  from: JobStateName;
  to: JobStateName;
  /** Leaving RUNNING: leased_by and lease_expire_time are cleared. */
  endsLease: boolean;
  /** Pending cancel/pause requests are consumed (they only mean something while RUNNING). */
  clearsRequests: boolean;
  /** Entering a terminal state: end_time is set. */
  setsEndTime: boolean;
  /** The lease ran out (lease_expirations + 1). */
  countsExpiration: boolean;
  /** google.rpc.Status stored with a FAILED job. */
  error: { code: number; message: string } | null;
  /** Back in the queue: waiting executors are woken. */
  wakesQueue: boolean;
  events: DecidedEvent[];
}

export function illegalTransition(job: Pick<JobFacts, 'id'>, message: string): ApiError {
  return new ApiError(ApiErrorCode.ILLEGAL_TRANSITION, `job ${job.id}: ${message}`);
}

/** The transition `from` → `to` with its implied effects, or ILLEGAL_TRANSITION. */
export function transition(
  job: Pick<JobFacts, 'id' | 'state' | 'attempt'>,
  to: JobStateName,
  message: string,
  extra: { error?: Transition['error']; countsExpiration?: boolean; before?: DecidedEvent[] } = {},
): Transition {
  const from = job.state;
  if (!canTransition(from, to)) throw illegalTransition(job, `cannot move from ${from} to ${to}`);
  const leavesRun = from === 'RUNNING';
  return {
    from,
    to,
    endsLease: leavesRun || isTerminal(to),
    clearsRequests: leavesRun,
    setsEndTime: isTerminal(to),
    countsExpiration: extra.countsExpiration ?? false,
    error: to === 'FAILED' ? (extra.error ?? null) : null,
    wakesQueue: to === 'QUEUED',
    events: [
      ...(extra.before ?? []),
      { type: 'STATE_CHANGED', fromState: from, toState: to, attempt: job.attempt, message },
    ],
  };
}

/** An executor claims a queued job (the claim statement writes it; see LeaseRepository.claim). */
export const LEASE = { from: 'QUEUED', to: 'RUNNING', message: 'leased' } as const satisfies {
  from: JobStateName;
  to: JobStateName;
  message: string;
};

/** Release, expiry and completion end a lease: only a RUNNING job has one. */
function requireRunning(job: JobFacts, what: string): void {
  if (job.state !== 'RUNNING') throw illegalTransition(job, `${what} needs a RUNNING job, not ${job.state}`);
}

/** Where a RUNNING job goes when its lease ends without an outcome: a pending request decides. */
function afterLease(job: JobFacts): JobStateName {
  return job.cancelRequested ? 'CANCELLED' : job.pauseRequested ? 'PAUSED' : 'QUEUED';
}

/** The executor hands the job back (ReleaseLease). */
export function released(job: JobFacts, reason: string): Transition {
  requireRunning(job, 'a lease release');
  return transition(job, afterLease(job), 'lease released', {
    before: [{ type: 'LEASE_RELEASED', attempt: job.attempt, message: reason || 'lease released' }],
  });
}

/**
 * The lease ran out (the reaper): back to the queue, to PAUSED/CANCELLED when that was requested, or
 * FAILED (DEADLINE_EXCEEDED) once it has run out `maxExpirations` times.
 */
export function leaseExpired(job: JobFacts, maxExpirations: number): Transition {
  requireRunning(job, 'a lease expiry');
  const expirations = job.leaseExpirations + 1;
  const next = afterLease(job);
  const to = next === 'QUEUED' && expirations >= maxExpirations ? 'FAILED' : next;
  const executor = job.leasedBy ?? '?';
  return transition(job, to, 'lease expired', {
    countsExpiration: true,
    error: {
      code: GrpcStatus.DEADLINE_EXCEEDED,
      message: `lease expired ${expirations} times (limit ${maxExpirations}); last executor ${executor}`,
    },
    before: [
      {
        type: 'LEASE_EXPIRED',
        attempt: job.attempt,
        message: `lease of attempt ${job.attempt} (${executor}) expired`,
      },
    ],
  });
}

export type Outcome = 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

/** The executor reports how the attempt ended (CompleteJob); CANCELLED needs a pending cancel. */
export function completed(
  job: JobFacts,
  outcome: Outcome,
  error: { code: number; message: string } | undefined,
): Transition {
  requireRunning(job, 'a completion');
  if (outcome === 'CANCELLED' && !job.cancelRequested) {
    throw new ApiError(ApiErrorCode.ILLEGAL_TRANSITION, 'outcome CANCELLED needs a pending cancel request');
  }
  const failure = outcome === 'FAILED' ? error : undefined;
  const message = failure ? `failed: ${failure.message}` : outcome.toLowerCase();
  return transition(job, outcome, message, {
    error: failure ? { code: failure.code, message: failure.message } : null,
  });
}

/** A change of the pending requests of a RUNNING job (the executor acts on them). */
export interface RequestChange {
  cancelRequested?: boolean;
  pauseRequested?: boolean;
  event: DecidedEvent;
}

/** What a user's command does to a job. */
export type CommandDecision =
  | { kind: 'transition'; transition: Transition }
  | { kind: 'request'; change: RequestChange }
  | { kind: 'unchanged' };

const moved = (t: Transition): CommandDecision => ({ kind: 'transition', transition: t });
const requested = (change: RequestChange): CommandDecision => ({ kind: 'request', change });

/** CancelJob: a waiting job ends at once; a running one is asked to stop (asking twice is a no-op). */
export function cancelCommand(job: JobFacts): CommandDecision {
  if (job.state === 'QUEUED' || job.state === 'PAUSED')
    return moved(transition(job, 'CANCELLED', 'cancelled'));
  if (job.state !== 'RUNNING') throw illegalTransition(job, `job is already ${job.state}`);
  if (job.cancelRequested) return { kind: 'unchanged' };
  return requested({
    cancelRequested: true,
    event: {
      type: 'CANCEL_REQUESTED',
      attempt: job.attempt,
      message: 'cancel requested; waiting for the executor',
    },
  });
}

/** PauseJob: a queued job pauses at once; a running one is asked to, unless a request is pending. */
export function pauseCommand(job: JobFacts): CommandDecision {
  if (job.state === 'QUEUED') return moved(transition(job, 'PAUSED', 'paused'));
  if (job.state === 'RUNNING' && !job.pauseRequested && !job.cancelRequested) {
    return requested({
      pauseRequested: true,
      event: {
        type: 'PAUSE_REQUESTED',
        attempt: job.attempt,
        message: 'pause requested; waiting for the executor',
      },
    });
  }
  throw illegalTransition(
    job,
    job.state === 'RUNNING' ? 'a pause or cancel is already pending' : `job is ${job.state}`,
  );
}

/** ResumeJob: a paused job is queued again; a pending pause request is withdrawn. */
export function resumeCommand(job: JobFacts): CommandDecision {
  if (job.state === 'PAUSED') return moved(transition(job, 'QUEUED', 'resumed'));
  if (job.state === 'RUNNING' && job.pauseRequested) {
    return requested({
      pauseRequested: false,
      event: { type: 'PAUSE_WITHDRAWN', attempt: job.attempt, message: 'pause request withdrawn' },
    });
  }
  throw illegalTransition(job, `job is ${job.state} and no pause is pending`);
}

/** The entropy target can change until the job ends. */
export function assertNotTerminal(job: Pick<JobFacts, 'id' | 'state'>): void {
  if (isTerminal(job.state)) throw illegalTransition(job, `job is already ${job.state}`);
}
