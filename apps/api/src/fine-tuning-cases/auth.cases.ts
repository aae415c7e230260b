import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { CreateJobRequest, JobState } from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import { collect, failure } from '../testing/grpc-helpers.js';
import { ADMIN_TOKEN, bearer, call } from '../testing/test-api.js';
import { t, c, md, datasetName, spec, create } from './fixture.js';

// Authentication, the admin service and project isolation. Cases of fine-tuning.integration-spec.ts, which runs them against fixture.ts's API.
describe('authentication', () => {
  it('refuses a missing, malformed or unknown API key with UNAUTHENTICATED', async () => {
    expect((await failure(call(c, c.listModels, {}, new Metadata()))).code).toBe(status.UNAUTHENTICATED);
    expect((await failure(call(c, c.listModels, {}, bearer('nonsense')))).code).toBe(status.UNAUTHENTICATED);
    expect((await failure(call(c, c.listModels, {}, bearer('aepo_unknownkeyunknownkey')))).code).toBe(
      status.UNAUTHENTICATED,
    );
  });

  it('does not accept the admin or executor token as an API key, nor an API key as admin token', async () => {
    expect((await failure(call(c, c.listModels, {}, bearer(ADMIN_TOKEN)))).code).toBe(status.UNAUTHENTICATED);
    expect(
      (await failure(call(t.admin, t.admin.listProjects, { pageSize: 0, pageToken: '' }, md))).code,
    ).toBe(status.UNAUTHENTICATED);
  });

  it('stops accepting a revoked key', async () => {
    const admin = bearer(ADMIN_TOKEN);
    const { project } = await call(t.admin, t.admin.createProject, { displayName: 'revoke' }, admin);
    const key = await call(t.admin, t.admin.createApiKey, { parent: project!.name, displayName: 'x' }, admin);
    expect(key.secret.startsWith('aepo_')).toBe(true);
    expect(key.apiKey!.prefix).toBe(key.secret.slice(0, 12));
    await call(c, c.listModels, {}, bearer(key.secret));
    expect(key.apiKey!.name).toMatch(new RegExp(`^${project!.name}/apiKeys/[0-9a-f-]{36}$`));
    await call(t.admin, t.admin.revokeApiKey, { name: key.apiKey!.name }, admin);
    expect((await failure(call(c, c.listModels, {}, bearer(key.secret)))).code).toBe(status.UNAUTHENTICATED);
  });
});

describe('AdminService', () => {
  it('lists projects page by page and rejects keys for unknown projects', async () => {
    const admin = bearer(ADMIN_TOKEN);
    for (let i = 0; i < 3; i++) await call(t.admin, t.admin.createProject, { displayName: `p${i}` }, admin);
    const seen: string[] = [];
    let token = '';
    do {
      const page = await call(t.admin, t.admin.listProjects, { pageSize: 2, pageToken: token }, admin);
      expect(page.projects.length).toBeLessThanOrEqual(2);
      seen.push(...page.projects.map((p) => p.name));
      token = page.nextPageToken;
    } while (token !== '');
    const all = await call(t.admin, t.admin.listProjects, { pageSize: 1000, pageToken: '' }, admin);
    expect(seen).toEqual(all.projects.map((p) => p.name));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    const missing = await failure(
      call(
        t.admin,
        t.admin.createApiKey,
        { parent: 'projects/00000000-0000-4000-8000-000000000000', displayName: '' },
        admin,
      ),
    );
    expect(missing.code).toBe(status.NOT_FOUND);
    const bad = await failure(call(t.admin, t.admin.createProject, { displayName: '' }, admin));
    expect(bad).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['display_name'] });
  });
});

describe('project isolation', () => {
  it('answers NOT_FOUND for another project’s jobs and datasets and never lists them', async () => {
    const job = await create();
    const other = await t.newProject('other');
    for (const [m, req] of [
      [c.getJob, { name: job.name }],
      [c.cancelJob, { name: job.name }],
      [c.pauseJob, { name: job.name }],
      [c.getJob, { name: job.name.replace(/^projects\/[^/]+/, 'projects/-') }],
      [c.getDataset, { name: datasetName }],
      [c.deleteDataset, { name: datasetName }],
      [c.listJobEvents, { parent: job.name, pageSize: 0, pageToken: '' }],
      [c.listStepRecords, { parent: job.name, pageSize: 0, pageToken: '' }],
      [c.listCheckpoints, { parent: job.name, pageSize: 0, pageToken: '' }],
      [c.listEvaluationRecords, { parent: job.name, pageSize: 0, pageToken: '' }],
    ] as [typeof c.getJob, never][]) {
      expect((await failure(call(c, m, req, other.md))).code).toBe(status.NOT_FOUND);
    }
    const streamErr = await collect(
      c.streamJobEvents({ parent: job.name, afterSequence: 0 }, other.md),
    ).catch((e: ServiceError) => e.code);
    expect(streamErr).toBe(status.NOT_FOUND);
    expect(
      (
        await call(
          c,
          c.listJobs,
          { parent: '', pageSize: 100, pageToken: '', states: [], labels: {} },
          other.md,
        )
      ).jobs,
    ).toEqual([]);
    expect(
      (await call(c, c.listDatasets, { parent: '', pageSize: 100, pageToken: '' }, other.md)).datasets,
    ).toEqual([]);
    const foreign = await failure(
      call(c, c.createJob, CreateJobRequest.fromPartial({ spec: spec() }), other.md),
    );
    expect(foreign).toMatchObject({ code: status.NOT_FOUND, fields: ['spec.training_dataset'] });
    expect((await call(c, c.getJob, { name: job.name }, md)).job!.state).toBe(JobState.JOB_STATE_QUEUED);
  });
});
