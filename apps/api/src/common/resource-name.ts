import { parseResourceName, RESOURCE_COLLECTIONS, WILDCARD_ID, type ResourceKind } from '@aepo/contracts';
import { ApiError } from './api-error.js';

// Request fields that carry AIP-122 resource names, turned into the ids the services take. Names are
// parsed by @aepo/contracts (the one parser); this module only decides what a request's name means
// for its caller: malformed is INVALID_ARGUMENT naming the field, another project is NOT_FOUND (the
// same answer as a resource that does not exist, so names reveal nothing), `-` is the caller's project.

/** The shape of a `kind` name, for error messages: `projects/{project}/jobs/{job}`. */
export function nameTemplate(kind: ResourceKind): string {
  return RESOURCE_COLLECTIONS[kind].map((c) => `${c}/{${singular(c)}}`).join('/');
}

function singular(collection: string): string {
  return collection === 'deliveries' ? 'delivery' : collection.replace(/s$/, '');
}

/** The ids of a required name (outermost first), INVALID_ARGUMENT naming `field` when absent or malformed. */
export function parseNameField(kind: ResourceKind, name: string, field: string): string[] {
  if (name === '') throw ApiError.invalid([{ field, description: 'is required' }]);
  const ids = parseResourceName(kind, name);
  if (ids === null) {
    throw ApiError.invalid([{ field, description: `must be a resource name ${nameTemplate(kind)}` }]);
  }
  return ids;
}

/**
 * The ids below the project of a name in the caller's project (`['j1']` for `projects/p/jobs/j1`):
 * malformed or empty is INVALID_ARGUMENT on `field`; a project other than the caller's (or `-`) is
 * NOT_FOUND, as a missing resource would be.
 */
export function resolveOwnName(
  kind: ResourceKind,
  name: string,
  field: string,
  callerProject: string,
): string[] {
  const [project, ...ids] = parseNameField(kind, name, field);
  if (project !== WILDCARD_ID && project !== callerProject) throw ApiError.notFound(kind, name);
  return ids;
}

/** The id of a job named in the caller's project (`projects/{p}/jobs/{job}`, `projects/-/jobs/{job}`). */
export function ownJobId(name: string, field: string, callerProject: string): string {
  return resolveOwnName('job', name, field, callerProject)[0]!;
}

/** The id of a dataset named in the caller's project. */
export function ownDatasetId(name: string, field: string, callerProject: string): string {
  return resolveOwnName('dataset', name, field, callerProject)[0]!;
}

/** The id of a webhook endpoint named in the caller's project. */
export function ownEndpointId(name: string, field: string, callerProject: string): string {
  return resolveOwnName('webhookEndpoint', name, field, callerProject)[0]!;
}

/**
 * Checks an optional `parent` project (CreateJob, ListJobs, ListDatasets, UploadDataset): empty,
 * `projects/-` and the caller's own project pass; malformed is INVALID_ARGUMENT, another project is
 * NOT_FOUND.
 */
export function checkOwnParent(parent: string, field: string, callerProject: string): void {
  if (parent === '') return;
  resolveOwnName('project', parent, field, callerProject);
}
