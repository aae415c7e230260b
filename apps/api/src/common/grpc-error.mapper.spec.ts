import { Metadata, status } from '@grpc/grpc-js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { parseBadRequest, parseQuotaFailure } from '@aepo/contracts';
import pino from 'pino';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { EntityNotFoundError, QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { ApiError, ApiErrorCode, QuotaExceededError } from './api-error.js';
import { toGrpcError } from './grpc-error.mapper.js';
import { GrpcExceptionFilter } from './grpc-exception.filter.js';

const silent = pino({ level: 'silent' });
const map = (err: unknown) => toGrpcError(err, silent, {});
const pgError = (code: string) => Object.assign(new Error(`pg ${code}`), { code });

describe('toGrpcError (the gRPC transport mapper)', () => {
  it('maps each ApiError code to its status', () => {
    const codes: [ApiErrorCode, status][] = [
      [ApiErrorCode.ILLEGAL_TRANSITION, status.FAILED_PRECONDITION],
      [ApiErrorCode.IN_USE, status.FAILED_PRECONDITION],
      [ApiErrorCode.UNAUTHENTICATED, status.UNAUTHENTICATED],
      [ApiErrorCode.LEASE_LOST, status.ABORTED],
      [ApiErrorCode.SHUTTING_DOWN, status.UNAVAILABLE],
      [ApiErrorCode.NOT_CONFIGURED, status.FAILED_PRECONDITION],
      [ApiErrorCode.DEPENDENCY_UNAVAILABLE, status.UNAVAILABLE],
      [ApiErrorCode.NOT_FOUND, status.NOT_FOUND],
    ];
    for (const [code, expected] of codes) {
      const mapped = map(new ApiError(code, `because ${code}`));
      expect([code, mapped.code, mapped.details]).toEqual([code, expected, `because ${code}`]);
    }
  });

  it('carries field violations as google.rpc.BadRequest', () => {
    const invalid = map(ApiError.invalid([{ field: 'spec.learning_rate', description: 'must be > 0' }]));
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(invalid.details).toBe('spec.learning_rate: must be > 0');
    expect(parseBadRequest(invalid)).toEqual([{ field: 'spec.learning_rate', description: 'must be > 0' }]);
    const limit = map(
      new ApiError(ApiErrorCode.LIMIT_EXCEEDED, 'too big', [{ field: 'rows', description: 'max 10' }]),
    );
    expect([limit.code, parseBadRequest(limit)]).toEqual([
      status.RESOURCE_EXHAUSTED,
      [{ field: 'rows', description: 'max 10' }],
    ]);
    const taken = map(
      new ApiError(ApiErrorCode.ALREADY_EXISTS, 'taken', [{ field: 'request_id', description: 'used' }]),
    );
    expect([taken.code, parseBadRequest(taken)]).toEqual([
      status.ALREADY_EXISTS,
      [{ field: 'request_id', description: 'used' }],
    ]);
  });

  it('carries a quota as google.rpc.QuotaFailure', () => {
    const quota = {
      subject: 'project:p',
      description: 'at most 2 running jobs',
      quotaId: 'running_jobs',
      quotaValue: 2,
    };
    const mapped = map(new QuotaExceededError(quota));
    expect(mapped.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(parseQuotaFailure(mapped)).toEqual([quota]);
  });

  it('maps pg errors, raw or wrapped by TypeORM, by SQLSTATE without leaking the SQL', () => {
    const cases: [unknown, status][] = [
      [pgError('08006'), status.UNAVAILABLE],
      [pgError('57P01'), status.UNAVAILABLE],
      [pgError('53300'), status.UNAVAILABLE],
      [pgError('ECONNREFUSED'), status.UNAVAILABLE],
      [pgError('40001'), status.ABORTED],
      [pgError('40P01'), status.ABORTED],
      [pgError('57014'), status.DEADLINE_EXCEEDED],
      [new QueryFailedError('INSERT INTO jobs', [], pgError('23505')), status.ALREADY_EXISTS],
      [new EntityNotFoundError('JobEntity', { id: 'x' }), status.NOT_FOUND],
    ];
    for (const [err, expected] of cases) {
      const mapped = map(err);
      expect(mapped.code).toBe(expected);
      expect(mapped.details).not.toMatch(/INSERT|jobs|JobEntity/);
    }
  });

  it('answers INTERNAL for anything else and says nothing about it', () => {
    for (const err of [new Error('secret detail'), pgError('42P01'), 'a string', undefined]) {
      expect(map(err)).toMatchObject({ code: status.INTERNAL, details: 'internal error' });
    }
  });
});

describe('GrpcExceptionFilter', () => {
  const filter = new GrpcExceptionFilter(silent);

  it('fails a unary call with the mapped status', async () => {
    const host = new ExecutionContextHost([{}, new Metadata(), {}]);
    const err: unknown = await firstValueFrom(filter.catch(ApiError.notFound('job', 'j1'), host)).catch(
      (e) => e,
    );
    expect(err).toMatchObject({ code: status.NOT_FOUND, details: 'job "j1" not found' });
  });

  it('passes a status that is already mapped through unchanged', async () => {
    const already = map(new ApiError(ApiErrorCode.LEASE_LOST, 'lost'));
    const host = new ExecutionContextHost([{}, new Metadata(), {}]);
    expect(await firstValueFrom(filter.catch(already, host)).catch((e) => e)).toBe(already);
  });

  it('answers a client-streaming call through its callback, stops reading it and ends quietly', async () => {
    const answers: unknown[] = [];
    let destroyed = false;
    const call = { destroy: () => (destroyed = true) };
    const host = new ExecutionContextHost([call, (err: unknown) => answers.push(err)]);
    await lastValueFrom(
      filter.catch(ApiError.invalid([{ field: 'rows[3].prompt', description: 'empty' }]), host),
    );
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(parseBadRequest(answers[0] as { metadata: Metadata })).toEqual([
      { field: 'rows[3].prompt', description: 'empty' },
    ]);
    expect(destroyed).toBe(true);
  });
});
