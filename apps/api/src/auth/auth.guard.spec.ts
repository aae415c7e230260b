import 'reflect-metadata';
import { Metadata } from '@grpc/grpc-js';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { describe, expect, it } from 'vitest';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { loadApiConfig } from '../config/api-config.js';
import type { ApiKeyRepository } from './api-key.repository.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService, hashSecret } from './auth.service.js';
import { CredentialKind, RequireCredential, callerProjectOf } from './credential.js';

const KEY = 'aepo_live-key';
const REVOKED = 'aepo_revoked-key';

/** Stands in for the key table: one valid key; a revoked key's hash no longer resolves (revoke_time set). */
class KeyTable {
  lookups = 0;
  async projectOfKey(hash: string): Promise<string | null> {
    this.lookups++;
    return hash === hashSecret(KEY) ? 'project-1' : null;
  }
}

@RequireCredential(CredentialKind.API_KEY)
class PublicController {
  call(): void {}
  @RequireCredential(CredentialKind.ADMIN)
  overridden(): void {}
}
@RequireCredential(CredentialKind.ADMIN)
class AdminController {
  call(): void {}
}
@RequireCredential(CredentialKind.EXECUTOR)
class ExecutorController {
  call(): void {}
}
class UndeclaredController {
  call(): void {}
}

function guard(tokens: { admin?: string; executor?: string } = { admin: 'adm', executor: 'exe' }) {
  const keys = new KeyTable();
  const config = { ...loadApiConfig({}), adminToken: tokens.admin, executorToken: tokens.executor };
  const auth = new AuthService(keys as unknown as ApiKeyRepository, config);
  return { guard: new AuthGuard(new Reflector(), auth), keys };
}

function metadata(authorization?: string): Metadata {
  const md = new Metadata();
  if (authorization !== undefined) md.set('authorization', authorization);
  return md;
}

/** A unary call's context: (request, metadata, call), as Nest hands it to guards. */
function unary(cls: new () => object, method: string, md: Metadata) {
  const handler = (cls.prototype as Record<string, () => void>)[method] as () => void;
  return new ExecutionContextHost([{}, md, {}], cls as never, handler);
}

async function refusal(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('AuthGuard', () => {
  it('lets an API key call through and hands its project to CallerProject', async () => {
    const { guard: g } = guard();
    const ctx = unary(PublicController, 'call', metadata(`Bearer ${KEY}`));
    expect(await g.canActivate(ctx)).toBe(true);
    expect(callerProjectOf(ctx)).toBe('project-1');
  });

  it('reads the metadata of a client-streaming call from the call itself', async () => {
    const { guard: g } = guard();
    const call = { metadata: metadata(`Bearer ${KEY}`) };
    const handler = (PublicController.prototype as unknown as Record<string, () => void>).call as () => void;
    const ctx = new ExecutionContextHost([call, () => undefined], PublicController as never, handler);
    expect(await g.canActivate(ctx)).toBe(true);
    expect(callerProjectOf(ctx)).toBe('project-1');
  });

  it.each([
    ['missing', undefined, /missing authorization/],
    ['malformed', 'Basic dXNlcg==', /missing authorization/],
    ['not a key', 'Bearer something-else', /invalid API key/],
    ['unknown', 'Bearer aepo_nobody', /invalid API key/],
    ['revoked', `Bearer ${REVOKED}`, /invalid API key/],
    ['the admin token', 'Bearer adm', /invalid API key/],
  ])('refuses a %s API key with UNAUTHENTICATED', async (_what, header, message) => {
    const { guard: g } = guard();
    const err = await refusal(g.canActivate(unary(PublicController, 'call', metadata(header))));
    expect(err.code).toBe(ApiErrorCode.UNAUTHENTICATED);
    expect(err.message).toMatch(message);
  });

  it('asks the key table once while a key is cached', async () => {
    const { guard: g, keys } = guard();
    for (let i = 0; i < 3; i++)
      await g.canActivate(unary(PublicController, 'call', metadata(`Bearer ${KEY}`)));
    expect(keys.lookups).toBe(1);
  });

  it('takes the admin token on admin calls only, and a handler declaration over its class', async () => {
    const { guard: g } = guard();
    expect(await g.canActivate(unary(AdminController, 'call', metadata('Bearer adm')))).toBe(true);
    expect(await g.canActivate(unary(PublicController, 'overridden', metadata('Bearer adm')))).toBe(true);
    for (const header of ['Bearer exe', `Bearer ${KEY}`, 'Bearer adm2', undefined]) {
      const err = await refusal(g.canActivate(unary(AdminController, 'call', metadata(header))));
      expect(err.code).toBe(ApiErrorCode.UNAUTHENTICATED);
      expect(err.message).toBe('invalid admin token');
    }
  });

  it('takes the executor token on executor calls only', async () => {
    const { guard: g } = guard();
    expect(await g.canActivate(unary(ExecutorController, 'call', metadata('Bearer exe')))).toBe(true);
    for (const header of ['Bearer adm', `Bearer ${KEY}`, undefined]) {
      const err = await refusal(g.canActivate(unary(ExecutorController, 'call', metadata(header))));
      expect(err.code).toBe(ApiErrorCode.UNAUTHENTICATED);
      expect(err.message).toBe('invalid executor token');
    }
  });

  it('says which token is unset when a service is disabled', async () => {
    const { guard: g } = guard({});
    const admin = await refusal(g.canActivate(unary(AdminController, 'call', metadata('Bearer adm'))));
    expect(admin.message).toMatch(/AEPO_ADMIN_TOKEN unset/);
    const exec = await refusal(g.canActivate(unary(ExecutorController, 'call', metadata('Bearer exe'))));
    expect(exec.message).toMatch(/AEPO_EXECUTOR_TOKEN unset/);
  });

  it('fails closed on a handler that declares no credential', async () => {
    const { guard: g } = guard();
    await expect(
      g.canActivate(unary(UndeclaredController, 'call', metadata(`Bearer ${KEY}`))),
    ).rejects.toThrow(/UndeclaredController\.call declares no credential kind/);
  });

  it('refuses to read a project on a call the guard did not authenticate', () => {
    expect(() => callerProjectOf(unary(PublicController, 'call', metadata(`Bearer ${KEY}`)))).toThrow(
      /did not authenticate/,
    );
  });
});
