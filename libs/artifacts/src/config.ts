/**
 * Where a deployment keeps its artifacts: an S3-compatible bucket (AWS S3, MinIO, SeaweedFS, ...),
 * read from the same AEPO_ARTIFACTS_S3_* variables by the API and the executor. Without a bucket there
 * is no object store: the executor keeps checkpoints on its folder (the default of `aepo serve`).
 */
export interface ObjectStoreConfig {
  bucket: string;
  /** Key prefix of every object, '' or ending in '/'. */
  prefix: string;
  /** Unset: AWS S3 of `region`. */
  endpoint: string | undefined;
  region: string;
  /** Unset: the AWS SDK's default chain (environment, profile, instance role). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  /** Bucket in the path (MinIO, SeaweedFS) rather than in the host name. */
  forcePathStyle: boolean;
}

export const OBJECT_STORE_ENV = {
  bucket: 'AEPO_ARTIFACTS_S3_BUCKET',
  prefix: 'AEPO_ARTIFACTS_S3_PREFIX',
  endpoint: 'AEPO_ARTIFACTS_S3_ENDPOINT',
  region: 'AEPO_ARTIFACTS_S3_REGION',
  accessKeyId: 'AEPO_ARTIFACTS_S3_ACCESS_KEY_ID',
  secretAccessKey: 'AEPO_ARTIFACTS_S3_SECRET_ACCESS_KEY',
  forcePathStyle: 'AEPO_ARTIFACTS_S3_FORCE_PATH_STYLE',
} as const;

/** Thrown for unusable AEPO_ARTIFACTS_S3_* values; the message names every bad variable. */
export class ObjectStoreConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid object store configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ObjectStoreConfigError';
  }
}

/** The object store of the environment, or undefined when AEPO_ARTIFACTS_S3_BUCKET is unset. */
export function objectStoreConfigFromEnv(
  env: Record<string, string | undefined>,
): ObjectStoreConfig | undefined {
  const get = (name: string) => (env[name] === '' ? undefined : env[name]);
  const N = OBJECT_STORE_ENV;
  const bucket = get(N.bucket);
  const others = Object.values(N).filter((n) => n !== N.bucket && get(n) !== undefined);
  if (bucket === undefined) {
    if (others.length > 0)
      throw new ObjectStoreConfigError(
        others.map((n) => `${n}: needs ${N.bucket} (no bucket, no object store)`),
      );
    return undefined;
  }
  const problems: string[] = [];
  // S3's bucket naming rules (3..63 lowercase letters, digits, dots, hyphens).
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    problems.push(`${N.bucket}: must be an S3 bucket name (3-63 lowercase letters, digits, '.', '-')`);
  const endpoint = get(N.endpoint);
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+\/?$/.test(endpoint))
    problems.push(`${N.endpoint}: must be http(s)://host[:port] (got ${JSON.stringify(endpoint)})`);
  let prefix = get(N.prefix) ?? '';
  if (prefix.startsWith('/') || prefix.includes('//') || /\s/.test(prefix))
    problems.push(`${N.prefix}: must be a key prefix like team/aepo (no leading '/', no '//', no spaces)`);
  if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
  const accessKeyId = get(N.accessKeyId);
  const secretAccessKey = get(N.secretAccessKey);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined))
    problems.push(
      `${accessKeyId === undefined ? N.accessKeyId : N.secretAccessKey}: is required with ${accessKeyId === undefined ? N.secretAccessKey : N.accessKeyId}`,
    );
  const pathStyle = get(N.forcePathStyle);
  if (pathStyle !== undefined && !['true', 'false', '1', '0'].includes(pathStyle))
    problems.push(`${N.forcePathStyle}: must be true or false`);
  if (problems.length > 0) throw new ObjectStoreConfigError(problems);
  return {
    bucket,
    prefix,
    endpoint: endpoint?.replace(/\/$/, ''),
    region: get(N.region) ?? 'us-east-1',
    credentials:
      accessKeyId !== undefined && secretAccessKey !== undefined
        ? { accessKeyId, secretAccessKey }
        : undefined,
    // A custom endpoint is nearly always a MinIO/SeaweedFS-style server without bucket subdomains.
    forcePathStyle:
      pathStyle === undefined ? endpoint !== undefined : pathStyle === 'true' || pathStyle === '1',
  };
}
