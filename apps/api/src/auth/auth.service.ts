import { Inject, Injectable } from '@nestjs/common';
import type { Metadata } from '@grpc/grpc-js';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import { ApiKeyRepository } from './api-key.repository.js';

const KEY_PREFIX = 'aepo_';

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new API key secret: `aepo_` + 32 random bytes (base64url). High entropy, so SHA-256 suffices. */
export function newSecret(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

function bearer(metadata: Metadata): string | undefined {
  const value = metadata.get('authorization')[0];
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

function sameToken(given: string, expected: string | undefined): boolean {
  if (expected === undefined) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Bearer authentication: project API keys (hashed in the database, results cached briefly so the hot
 * path costs no query), the admin token and the executor token (from the environment).
 */
@Injectable()
export class AuthService {
  private readonly cache = new Map<string, { projectId: string; until: number }>();

  constructor(
    @Inject(ApiKeyRepository) private readonly keys: ApiKeyRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
  ) {}

  /** The caller's project, or UNAUTHENTICATED. */
  async project(metadata: Metadata): Promise<string> {
    const secret = bearer(metadata);
    if (secret === undefined) throw unauthenticated('missing authorization: Bearer <api key>');
    if (!secret.startsWith(KEY_PREFIX)) throw unauthenticated('invalid API key');
    const hash = hashSecret(secret);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.projectId;
    const projectId = await this.keys.projectOfKey(hash);
    if (projectId === null) {
      this.cache.delete(hash);
      throw unauthenticated('invalid API key');
    }
    if (this.config.authCacheMs > 0) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { projectId, until: now + this.config.authCacheMs });
    }
    return projectId;
  }

  /** Drops cached keys (after a revocation in this process). */
  forget(): void {
    this.cache.clear();
  }

  admin(metadata: Metadata): void {
    const token = bearer(metadata);
    if (token === undefined || !sameToken(token, this.config.adminToken)) {
      throw unauthenticated(
        this.config.adminToken ? 'invalid admin token' : 'admin API disabled (AEPO_ADMIN_TOKEN unset)',
      );
    }
  }

  executor(metadata: Metadata): void {
    const token = bearer(metadata);
    if (token === undefined || !sameToken(token, this.config.executorToken)) {
      throw unauthenticated(
        this.config.executorToken
          ? 'invalid executor token'
          : 'executor API disabled (AEPO_EXECUTOR_TOKEN unset)',
      );
    }
  }
}

function unauthenticated(message: string): ApiError {
  return new ApiError(ApiErrorCode.UNAUTHENTICATED, message);
}
