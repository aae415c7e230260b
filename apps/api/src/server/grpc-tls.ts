import {
  Metadata,
  ServerCredentials,
  ServerInterceptingCall,
  experimental,
  status,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigError, type ApiTlsConfig } from '../config/api-config.js';

/** Methods of the executor protocol: the ones that need a client certificate under mTLS. */
const EXECUTOR_SERVICE_PREFIX = '/aepo.executor.v1.ExecutorService/';

/** Reads a file named by a variable; a failure names that variable. */
function readNamed(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError([`${variable}: cannot read ${file} (${(err as Error).message})`]);
  }
}

/** Fails at start, naming the variables, when the certificate, key or CA do not make a TLS context. */
function checkFiles(tls: ApiTlsConfig): void {
  const cert = readNamed('AEPO_API_TLS_CERT_FILE', tls.certFile);
  const key = readNamed('AEPO_API_TLS_KEY_FILE', tls.keyFile);
  const ca = tls.clientCaFile ? readNamed('AEPO_API_TLS_CLIENT_CA_FILE', tls.clientCaFile) : undefined;
  try {
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch (err) {
    throw new ConfigError([
      `AEPO_API_TLS_CERT_FILE/AEPO_API_TLS_KEY_FILE${ca ? '/AEPO_API_TLS_CLIENT_CA_FILE' : ''}: ` +
        `not a usable certificate, key and CA (${(err as Error).message})`,
    ]);
  }
}

/**
 * Refuses ExecutorService calls whose connection did not present a client certificate that the
 * client CA verified. The TLS handshake only asks for one (the public API stays open to clients
 * without certificates); this decides per method.
 */
export const requireExecutorClientCertificate: ServerInterceptor = (method, call) => {
  if (!method.path.startsWith(EXECUTOR_SERVICE_PREFIX)) return new ServerInterceptingCall(call);
  return new ServerInterceptingCall(call, {
    start: (next) =>
      next({
        onReceiveMetadata: (metadata, forward) => {
          if (call.getAuthContext().sslPeerCertificate !== undefined) forward(metadata);
          else
            call.sendStatus({
              code: status.UNAUTHENTICATED,
              details: 'the executor protocol requires a client certificate signed by the API client CA',
              metadata: new Metadata(),
            });
        },
      }),
  });
};

/**
 * Credentials of the gRPC port. Without TLS settings: plaintext. With them: the certificate and key
 * (and client CA) are read from their files now, and again every `reloadSeconds`, so a certificate
 * renewed in place (cert-manager) is served without a restart. Resolves once the first files are
 * loaded, so no connection is dropped for want of a certificate. `release` stops the file reads.
 */
export async function grpcServerCredentials(
  tls: ApiTlsConfig | undefined,
): Promise<{ credentials: ServerCredentials; release: () => void }> {
  if (tls === undefined) return { credentials: ServerCredentials.createInsecure(), release: () => undefined };
  checkFiles(tls);
  const files = new experimental.FileWatcherCertificateProvider({
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    ...(tls.clientCaFile ? { caCertificateFile: tls.clientCaFile } : {}),
    refreshIntervalMs: tls.reloadSeconds * 1000,
  });
  const secure = experimental.createCertificateProviderServerCredentials(
    files,
    tls.clientCaFile ? files : null,
    false, // ask for a client certificate, refuse per method (requireExecutorClientCertificate)
  );
  // The server reads the TLS context once when it binds and is told of later updates only: a watcher
  // registered now starts the file reads and lets the bind find the context already loaded.
  let loaded: () => void = () => undefined;
  const watcher = (context: unknown) => {
    if (context !== null) loaded();
  };
  const release = () => secure._removeWatcher(watcher);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      release();
      reject(new ConfigError(['AEPO_API_TLS_CERT_FILE: the certificate files did not load within 10 s']));
    }, 10_000);
    loaded = () => {
      clearTimeout(timer);
      resolve();
    };
    secure._addWatcher(watcher);
  });
  const credentials = tls.clientCaFile
    ? experimental.createServerCredentialsWithInterceptors(secure, [requireExecutorClientCertificate])
    : secure;
  return { credentials, release };
}
