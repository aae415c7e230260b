import {
  formatResourceName,
  parseResourceName,
  RESOURCE_COLLECTIONS,
  WILDCARD_ID,
  type ResourceKind,
} from '@aepo/contracts';
import { InvalidArgumentError } from 'commander';

/**
 * The resource name a user typed, for a kind whose innermost id is globally unique: a full name
 * (`projects/p/jobs/j`) is taken as it is; a bare id (`j`, the habit of aepo 0.1 and of scripts)
 * becomes `projects/-/jobs/j`, `-` standing for the caller's project (and any parent below it).
 * Anything else is a usage error naming the expected shape.
 */
export function expandName(kind: ResourceKind, raw: string): string {
  const typed = raw.trim();
  if (typed.includes('/')) {
    if (parseResourceName(kind, typed)) return typed;
    const example = formatResourceName(kind, ...parentIds(kind), `{${kind}}`);
    throw new InvalidArgumentError(`expected a ${kind} id or a name like ${example}`);
  }
  if (typed === '') throw new InvalidArgumentError(`expected a ${kind} id or name`);
  return formatResourceName(kind, ...parentIds(kind), typed);
}

/** A wildcard for each collection above the innermost one. */
function parentIds(kind: ResourceKind): string[] {
  return RESOURCE_COLLECTIONS[kind].slice(1).map(() => WILDCARD_ID);
}

/** The innermost id of a name (`j` of `projects/p/jobs/j`), for short labels and file names. */
export function lastId(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

/** Commander argument parsers: `.argument('<job>', 'job name or id', jobArg)`. */
export const jobArg = (raw: string): string => expandName('job', raw);
export const datasetArg = (raw: string): string => expandName('dataset', raw);
export const webhookEndpointArg = (raw: string): string => expandName('webhookEndpoint', raw);
export const webhookDeliveryArg = (raw: string): string => expandName('webhookDelivery', raw);
export const apiKeyArg = (raw: string): string => expandName('apiKey', raw);
