import { status } from '@grpc/grpc-js';
import { CreateJobRequest, jobIdOf, parseResourceName } from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import { failure, tinyRows, upload } from '../testing/grpc-helpers.js';
import { call } from '../testing/test-api.js';
import { c, create, datasetName, md, spec, t } from './fixture.js';

// AIP-122 resource names: what the API answers for malformed names, names of another project and
// the `projects/-` wildcard. Cases of fine-tuning.integration-spec.ts, run against fixture.ts's API.

const NO_ID = '00000000-0000-4000-8000-000000000000';
const listAll = { pageSize: 0, pageToken: '' };
const listJobs = { ...listAll, states: [], labels: {} };

/** The same name with `-` for its project. */
const wildcard = (name: string) => name.replace(/^projects\/[^/]+/, 'projects/-');

describe('resource names', () => {
  it('names every resource it returns, in the caller project', async () => {
    const job = await create();
    const [project, id] = parseResourceName('job', job.name)!;
    expect(parseResourceName('dataset', datasetName)![0]).toBe(project);
    expect(job.spec!.trainingDataset).toBe(datasetName);
    const events = await call(c, c.listJobEvents, { parent: job.name, ...listAll }, md);
    expect(events.events.map((e) => e.job)).toEqual([`projects/${project}/jobs/${id}`]);
  });

  it('refuses a malformed name with INVALID_ARGUMENT naming the field', async () => {
    const job = await create();
    const id = jobIdOf(job.name);
    for (const name of ['', id, `projects//jobs/${id}`, `${job.name}/checkpoints/2`, datasetName]) {
      for (const [m, req] of [
        [c.getJob, { name }],
        [c.cancelJob, { name }],
        [c.listJobEvents, { parent: name, ...listAll }],
        [c.listCheckpoints, { parent: name, ...listAll }],
      ] as [typeof c.getJob, never][]) {
        const err = await failure(call(c, m, req, md));
        const field = 'name' in (req as object) ? 'name' : 'parent';
        expect([name, err.code, err.fields]).toEqual([name, status.INVALID_ARGUMENT, [field]]);
      }
    }
    const dataset = await failure(call(c, c.getDataset, { name: job.name }, md));
    expect(dataset).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['name'] });
    const parent = await failure(call(c, c.listJobs, { ...listJobs, parent: job.name }, md));
    expect(parent).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['parent'] });
    const metadata = await failure(
      upload(c, md, [{ metadata: { displayName: 'x', parent: 'nope' }, rows: tinyRows(1) }]),
    );
    expect(metadata).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['metadata.parent'] });
  });

  it('accepts `projects/-` for the caller project, in names, parents and the spec', async () => {
    const job = await create({ trainingDataset: wildcard(datasetName) }, { parent: 'projects/-' });
    // Stored with the project filled in: GetJob returns what was stored.
    expect(job.spec!.trainingDataset).toBe(datasetName);
    expect((await call(c, c.getJob, { name: wildcard(job.name) }, md)).job).toEqual(job);
    const events = await call(c, c.listJobEvents, { parent: wildcard(job.name), ...listAll }, md);
    expect(events.events).toHaveLength(1);
    const own = parseResourceName('job', job.name)![0]!;
    for (const parent of ['', 'projects/-', `projects/${own}`]) {
      const listed = await call(c, c.listJobs, { ...listJobs, parent }, md);
      expect(listed.jobs.map((j) => j.name)).toContain(job.name);
    }
    expect((await call(c, c.getDataset, { name: wildcard(datasetName) }, md)).dataset!.name).toBe(
      datasetName,
    );
    const cancelled = await call(c, c.cancelJob, { name: wildcard(job.name) }, md);
    expect(cancelled.job!.name).toBe(job.name);
  });

  it('answers NOT_FOUND for a name or parent of another project, as for a missing resource', async () => {
    const job = await create();
    const other = await t.newProject('names-other');
    const foreign = `projects/${NO_ID}`;
    const moved = job.name.replace(/^projects\/[^/]+/, foreign);
    expect((await failure(call(c, c.getJob, { name: moved }, md))).code).toBe(status.NOT_FOUND);
    expect((await failure(call(c, c.listStepRecords, { parent: moved, ...listAll }, md))).code).toBe(
      status.NOT_FOUND,
    );
    // The wildcard resolves to the caller's project, so it does not reach another project's job.
    expect((await failure(call(c, c.getJob, { name: wildcard(job.name) }, other.md))).code).toBe(
      status.NOT_FOUND,
    );
    const createElsewhere = CreateJobRequest.fromPartial({ spec: spec(), parent: foreign });
    expect((await failure(call(c, c.createJob, createElsewhere, md))).code).toBe(status.NOT_FOUND);
    expect((await failure(call(c, c.listJobs, { ...listJobs, parent: foreign }, md))).code).toBe(
      status.NOT_FOUND,
    );
    expect((await failure(call(c, c.listDatasets, { ...listAll, parent: foreign }, md))).code).toBe(
      status.NOT_FOUND,
    );
    const uploadElsewhere = await failure(
      upload(c, md, [{ metadata: { displayName: 'x', parent: foreign }, rows: tinyRows(1) }]),
    );
    expect(uploadElsewhere.code).toBe(status.NOT_FOUND);
    // A dataset named in another project is NOT_FOUND naming the spec field.
    const foreignDataset = await failure(
      create({ validationDataset: datasetName.replace(/^projects\/[^/]+/, foreign) }),
    );
    expect(foreignDataset).toMatchObject({ code: status.NOT_FOUND, fields: ['spec.validation_dataset'] });
  });
});
