import { type ChannelCredentials, credentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { ExecutorConfig } from '../config/executor-config.js';

/** Whether the executor talks TLS to the API (asked for, or implied by a CA or client certificate). */
export function usesApiTls(config: ExecutorConfig): boolean {
  return config.apiTls || config.apiCaFile !== undefined || config.apiCertFile !== undefined;
}

/**
 * Channel credentials to the API: TLS verifying the server against apiCaFile (else the system CAs),
 * presenting the client certificate when one is configured (mTLS); plaintext when TLS is off. The
 * files are read once, at start.
 */
export function apiChannelCredentials(config: ExecutorConfig): ChannelCredentials {
  if (!usesApiTls(config)) return credentials.createInsecure();
  const read = (file: string | undefined) => (file === undefined ? null : readFileSync(file));
  return credentials.createSsl(read(config.apiCaFile), read(config.apiKeyFile), read(config.apiCertFile));
}
