import { status as GrpcStatus } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import type { JobStateName } from '../database/entities/index.js';
import {
  INITIAL_STATE,
  assertNotTerminal,
  JOB_STATES,
  LEASE,
  LIVE_STATES,
  canTransition,
  cancelCommand,
  completed,
  isTerminal,
  leaseExpired,
  pauseCommand,
  released,
  resumeCommand,
  transition,
  type CommandDecision,
  type JobFacts,
} from './job-state.machine.js';

// The state machine without a database: every allowed and every refused transition, and every
// decision of the executor protocol and of the user's commands, table by table.

const job = (state: JobStateName, over: Partial<JobFacts> = {}): JobFacts => ({
  id: 'j1',
  state,
  attempt: 3,
  cancelRequested: false,
  pauseRequested: false,
  leaseExpirations: 0,
  leasedBy: 'exec-a',
  ...over,
});

/** The code and message of what `fn` throws (fails the test when it does not throw an ApiError). */
function refusal(fn: () => unknown): { code: ApiErrorCode; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return { code: (err as ApiError).code, message: (err as ApiError).message };
  }
  throw new Error('expected a refusal');
}

const ALLOWED: [JobStateName, JobStateName][] = [
  ['QUEUED', 'RUNNING'],
  ['QUEUED', 'PAUSED'],
  ['QUEUED', 'CANCELLED'],
  ['RUNNING', 'QUEUED'],
  ['RUNNING', 'PAUSED'],
  ['RUNNING', 'SUCCEEDED'],
  ['RUNNING', 'FAILED'],
  ['RUNNING', 'CANCELLED'],
  ['PAUSED', 'QUEUED'],
  ['PAUSED', 'CANCELLED'],
];
const isAllowed = (from: JobStateName, to: JobStateName) => ALLOWED.some(([f, t]) => f === from && t === to);
const ALL_PAIRS = JOB_STATES.flatMap((from) => JOB_STATES.map((to) => [from, to] as const));
const REFUSED = ALL_PAIRS.filter(([from, to]) => !isAllowed(from, to));

describe('job state machine: transitions', () => {
  it('knows the six states, starts new jobs QUEUED and counts the non-terminal ones as live', () => {
    expect([...JOB_STATES].sort()).toEqual([
      'CANCELLED',
      'FAILED',
      'PAUSED',
      'QUEUED',
      'RUNNING',
      'SUCCEEDED',
    ]);
    expect(INITIAL_STATE).toBe('QUEUED');
    expect([...LIVE_STATES].sort()).toEqual(JOB_STATES.filter((s) => !isTerminal(s)).sort());
    expect(JOB_STATES.filter(isTerminal).sort()).toEqual(['CANCELLED', 'FAILED', 'SUCCEEDED']);
    expect(REFUSED).toHaveLength(36 - ALLOWED.length);
  });

  it.each(ALLOWED)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    const t = transition(job(from), to, 'why');
    expect([t.from, t.to]).toEqual([from, to]);
    expect(t.events).toEqual([
      { type: 'STATE_CHANGED', fromState: from, toState: to, attempt: 3, message: 'why' },
    ]);
  });

  it.each(REFUSED)('refuses %s -> %s with ILLEGAL_TRANSITION', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    expect(refusal(() => transition(job(from), to, 'why'))).toEqual({
      code: ApiErrorCode.ILLEGAL_TRANSITION,
      message: `job j1: cannot move from ${from} to ${to}`,
    });
  });

  // [from, to, endsLease, clearsRequests, setsEndTime, wakesQueue]
  it.each<[JobStateName, JobStateName, boolean, boolean, boolean, boolean]>([
    ['QUEUED', 'RUNNING', false, false, false, false],
    ['QUEUED', 'PAUSED', false, false, false, false],
    ['QUEUED', 'CANCELLED', true, false, true, false],
    ['RUNNING', 'QUEUED', true, true, false, true],
    ['RUNNING', 'PAUSED', true, true, false, false],
    ['RUNNING', 'SUCCEEDED', true, true, true, false],
    ['RUNNING', 'FAILED', true, true, true, false],
    ['RUNNING', 'CANCELLED', true, true, true, false],
    ['PAUSED', 'QUEUED', false, false, false, true],
    ['PAUSED', 'CANCELLED', true, false, true, false],
  ])(
    '%s -> %s implies lease end %s, requests cleared %s, end time %s, queue wake %s',
    (from, to, ...effects) => {
      const t = transition(job(from), to, 'why');
      expect([t.endsLease, t.clearsRequests, t.setsEndTime, t.wakesQueue]).toEqual(effects);
      expect(t.countsExpiration).toBe(false);
      expect(t.error).toBeNull();
    },
  );

  it('keeps an error only for FAILED', () => {
    const error = { code: 13, message: 'boom' };
    expect(transition(job('RUNNING'), 'FAILED', 'x', { error }).error).toEqual(error);
    expect(transition(job('RUNNING'), 'QUEUED', 'x', { error }).error).toBeNull();
  });

  it('the claim is an allowed transition', () => {
    expect(canTransition(LEASE.from, LEASE.to)).toBe(true);
    expect(LEASE).toEqual({ from: 'QUEUED', to: 'RUNNING', message: 'leased' });
  });
});

describe('job state machine: the end of a lease', () => {
  // [cancelRequested, pauseRequested, to]
  it.each<[boolean, boolean, JobStateName]>([
    [false, false, 'QUEUED'],
    [false, true, 'PAUSED'],
    [true, false, 'CANCELLED'],
    [true, true, 'CANCELLED'],
  ])('a release with cancel %s, pause %s goes to %s', (cancelRequested, pauseRequested, to) => {
    const t = released(job('RUNNING', { cancelRequested, pauseRequested }), 'engine gone');
    expect(t.to).toBe(to);
    expect(t.countsExpiration).toBe(false);
    expect(t.events.map((e) => [e.type, e.message])).toEqual([
      ['LEASE_RELEASED', 'engine gone'],
      ['STATE_CHANGED', 'lease released'],
    ]);
    expect(released(job('RUNNING'), '').events[0]!.message).toBe('lease released');
  });

  // [cancelRequested, pauseRequested, earlier expirations, limit, to]
  it.each<[boolean, boolean, number, number, JobStateName]>([
    [false, false, 0, 3, 'QUEUED'],
    [false, false, 1, 3, 'QUEUED'],
    [false, false, 2, 3, 'FAILED'],
    [false, false, 5, 3, 'FAILED'],
    [false, true, 2, 3, 'PAUSED'],
    [true, false, 2, 3, 'CANCELLED'],
    [true, true, 0, 3, 'CANCELLED'],
  ])('an expiry with cancel %s, pause %s after %i of %i expirations goes to %s', (c, p, before, max, to) => {
    const t = leaseExpired(
      job('RUNNING', { cancelRequested: c, pauseRequested: p, leaseExpirations: before }),
      max,
    );
    expect(t.to).toBe(to);
    expect(t.countsExpiration).toBe(true);
    expect(t.events.map((e) => e.type)).toEqual(['LEASE_EXPIRED', 'STATE_CHANGED']);
    expect(t.events[0]!.message).toBe('lease of attempt 3 (exec-a) expired');
    expect(t.error).toEqual(
      to === 'FAILED'
        ? {
            code: GrpcStatus.DEADLINE_EXCEEDED,
            message: `lease expired ${before + 1} times (limit ${max}); last executor exec-a`,
          }
        : null,
    );
  });

  // [outcome, cancelRequested, error, stored error, event message]
  it.each<
    [
      'SUCCEEDED' | 'FAILED' | 'CANCELLED',
      boolean,
      { code: number; message: string } | undefined,
      unknown,
      string,
    ]
  >([
    ['SUCCEEDED', false, undefined, null, 'succeeded'],
    ['SUCCEEDED', true, undefined, null, 'succeeded'],
    ['FAILED', false, { code: 13, message: 'oom' }, { code: 13, message: 'oom' }, 'failed: oom'],
    ['CANCELLED', true, undefined, null, 'cancelled'],
  ])(
    'completion %s (cancel pending %s) is stored with error %j',
    (outcome, cancelRequested, error, stored, message) => {
      const t = completed(job('RUNNING', { cancelRequested }), outcome, error);
      expect([t.from, t.to, t.error, t.events[0]!.message]).toEqual(['RUNNING', outcome, stored, message]);
    },
  );

  it('refuses CANCELLED without a pending cancel request', () => {
    expect(refusal(() => completed(job('RUNNING'), 'CANCELLED', undefined))).toEqual({
      code: ApiErrorCode.ILLEGAL_TRANSITION,
      message: 'outcome CANCELLED needs a pending cancel request',
    });
  });

  it.each(JOB_STATES.filter((s) => s !== 'RUNNING'))(
    'refuses release, expiry and completion of a %s job',
    (state) => {
      for (const [what, decide] of [
        ['a lease release', () => released(job(state), '')],
        ['a lease expiry', () => leaseExpired(job(state), 3)],
        ['a completion', () => completed(job(state), 'SUCCEEDED', undefined)],
      ] as const) {
        expect(refusal(decide)).toEqual({
          code: ApiErrorCode.ILLEGAL_TRANSITION,
          message: `job j1: ${what} needs a RUNNING job, not ${state}`,
        });
      }
    },
  );
});

type Expected =
  { to: JobStateName } | { request: Record<string, boolean>; event: string } | 'unchanged' | string;

function outcome(decide: (j: JobFacts) => CommandDecision, facts: JobFacts): Expected {
  let d: CommandDecision;
  try {
    d = decide(facts);
  } catch (err) {
    expect((err as ApiError).code).toBe(ApiErrorCode.ILLEGAL_TRANSITION);
    return (err as ApiError).message;
  }
  if (d.kind === 'transition') return { to: d.transition.to };
  if (d.kind === 'unchanged') return 'unchanged';
  const { event, ...request } = d.change;
  return { request, event: event.type };
}

describe('job state machine: user commands', () => {
  const running = (cancelRequested: boolean, pauseRequested: boolean) =>
    job('RUNNING', { cancelRequested, pauseRequested });
  // [command, job, expected decision or refusal message]
  it.each<[string, (j: JobFacts) => CommandDecision, JobFacts, Expected]>([
    ['cancel', cancelCommand, job('QUEUED'), { to: 'CANCELLED' }],
    ['cancel', cancelCommand, job('PAUSED'), { to: 'CANCELLED' }],
    [
      'cancel',
      cancelCommand,
      running(false, false),
      { request: { cancelRequested: true }, event: 'CANCEL_REQUESTED' },
    ],
    [
      'cancel',
      cancelCommand,
      running(false, true),
      { request: { cancelRequested: true }, event: 'CANCEL_REQUESTED' },
    ],
    ['cancel', cancelCommand, running(true, false), 'unchanged'],
    ['cancel', cancelCommand, job('SUCCEEDED'), 'job j1: job is already SUCCEEDED'],
    ['cancel', cancelCommand, job('FAILED'), 'job j1: job is already FAILED'],
    ['cancel', cancelCommand, job('CANCELLED'), 'job j1: job is already CANCELLED'],
    ['pause', pauseCommand, job('QUEUED'), { to: 'PAUSED' }],
    [
      'pause',
      pauseCommand,
      running(false, false),
      { request: { pauseRequested: true }, event: 'PAUSE_REQUESTED' },
    ],
    ['pause', pauseCommand, running(false, true), 'job j1: a pause or cancel is already pending'],
    ['pause', pauseCommand, running(true, false), 'job j1: a pause or cancel is already pending'],
    ['pause', pauseCommand, job('PAUSED'), 'job j1: job is PAUSED'],
    ['pause', pauseCommand, job('SUCCEEDED'), 'job j1: job is SUCCEEDED'],
    ['pause', pauseCommand, job('FAILED'), 'job j1: job is FAILED'],
    ['pause', pauseCommand, job('CANCELLED'), 'job j1: job is CANCELLED'],
    ['resume', resumeCommand, job('PAUSED'), { to: 'QUEUED' }],
    [
      'resume',
      resumeCommand,
      running(false, true),
      { request: { pauseRequested: false }, event: 'PAUSE_WITHDRAWN' },
    ],
    ['resume', resumeCommand, running(false, false), 'job j1: job is RUNNING and no pause is pending'],
    ['resume', resumeCommand, running(true, false), 'job j1: job is RUNNING and no pause is pending'],
    ['resume', resumeCommand, job('QUEUED'), 'job j1: job is QUEUED and no pause is pending'],
    ['resume', resumeCommand, job('SUCCEEDED'), 'job j1: job is SUCCEEDED and no pause is pending'],
    ['resume', resumeCommand, job('FAILED'), 'job j1: job is FAILED and no pause is pending'],
    ['resume', resumeCommand, job('CANCELLED'), 'job j1: job is CANCELLED and no pause is pending'],
  ])('%s of %j', (_name, decide, facts, expected) => {
    expect(outcome(decide, facts)).toEqual(expected);
  });

  it.each(JOB_STATES)('the entropy target of a %s job can change only until it ends', (state) => {
    if (isTerminal(state)) {
      expect(refusal(() => assertNotTerminal(job(state))).message).toBe(`job j1: job is already ${state}`);
    } else {
      expect(() => assertNotTerminal(job(state))).not.toThrow();
    }
  });
});
