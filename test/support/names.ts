/** The bare ids inside resource names, for the internal protocols and tables that still key on ids. */
import { parseResourceName } from '@aepo/contracts';

/** `{job}` of `projects/{project}/jobs/{job}` (the executor protocol's job_id, metric labels, SQL rows). */
export function jobIdOf(name: string): string {
  const ids = parseResourceName('job', name);
  if (!ids) throw new Error(`not a job name: ${name}`);
  return ids[1]!;
}

/** `{project}` of a project, job or dataset name. */
export function projectIdOf(name: string): string {
  const id = name.split('/')[1];
  if (!name.startsWith('projects/') || !id) throw new Error(`not a project-scoped name: ${name}`);
  return id;
}
