// AIP-122 resource names of the public API, parsed and formatted in this one module: the API, the CLI
// and the executor never split or join names by hand. A name is a chain of `collection/id` pairs,
// e.g. `projects/{project}/jobs/{job}/checkpoints/{step}`.

/** The collection ids of each kind of resource, outermost first. */
export const RESOURCE_COLLECTIONS = {
  project: ['projects'],
  dataset: ['projects', 'datasets'],
  job: ['projects', 'jobs'],
  checkpoint: ['projects', 'jobs', 'checkpoints'],
  apiKey: ['projects', 'apiKeys'],
  webhookEndpoint: ['projects', 'webhookEndpoints'],
  webhookDelivery: ['projects', 'webhookEndpoints', 'deliveries'],
} as const;

export type ResourceKind = keyof typeof RESOURCE_COLLECTIONS;

/**
 * The id that stands for "the caller's project" (or "any endpoint") in a name, as AIP-159 allows for
 * globally unique child ids: `projects/-/jobs/{job}`.
 */
export const WILDCARD_ID = '-';

// An id segment: non-empty, no slash, printable ASCII without spaces (UUIDs, step numbers, `-`).
const ID_SEGMENT = /^[\x21-\x2e\x30-\x7e]{1,200}$/;

/**
 * The ids of `name` read as a resource of `kind`, outermost first (`['p1', 'j1']` for
 * `projects/p1/jobs/j1`), or null when the name does not have that shape. Ids are not checked
 * further: whether a resource with that id exists is the caller's question (NOT_FOUND).
 */
export function parseResourceName(kind: ResourceKind, name: string): string[] | null {
  const collections = RESOURCE_COLLECTIONS[kind];
  const parts = name.split('/');
  if (parts.length !== collections.length * 2) return null;
  const ids: string[] = [];
  for (let i = 0; i < collections.length; i++) {
    const id = parts[2 * i + 1]!;
    if (parts[2 * i] !== collections[i] || !ID_SEGMENT.test(id)) return null;
    ids.push(id);
  }
  return ids;
}

/** The name of a resource of `kind` with these ids, outermost first. */
export function formatResourceName(kind: ResourceKind, ...ids: (string | number)[]): string {
  const collections = RESOURCE_COLLECTIONS[kind];
  if (ids.length !== collections.length) {
    throw new Error(`a ${kind} name needs ${collections.length} ids, got ${ids.length}`);
  }
  return collections.map((collection, i) => `${collection}/${ids[i]}`).join('/');
}

/** `projects/{project}/jobs/{job}`. */
export const jobName = (project: string, job: string): string => formatResourceName('job', project, job);

/** `projects/{project}/datasets/{dataset}`. */
export const datasetName = (project: string, dataset: string): string =>
  formatResourceName('dataset', project, dataset);

/** `projects/{project}`. */
export const projectName = (project: string): string => formatResourceName('project', project);

/**
 * The `{job}` id of a job name the server wrote (a leased Job's `name`, the executor's handle on its
 * job); throws on a name that is not a job's, which only a server bug could send.
 */
export function jobIdOf(name: string): string {
  const ids = parseResourceName('job', name);
  if (ids === null) throw new Error(`not a job name: ${JSON.stringify(name)}`);
  return ids[1]!;
}
