import { executorV1 } from '@aepo/contracts';
import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { ApiCallError, type DatasetRowsPage } from '../api/executor-api.port.js';
import { FakeExecutorApi } from '../testing/fake-executor-api.js';
import { RUNNER_ROWS } from '../testing/runner-fixtures.js';
import { inlineGrader } from '../testing/runner-parts.js';
import { DatasetLoader } from './dataset-loader.js';
import { JobFailure } from './job-errors.js';

const lease = { jobId: 'job-1', attempt: 1 };
const math = { kind: 'math' } as const;

function setup(rows = RUNNER_ROWS) {
  const api = new FakeExecutorApi(rows);
  const roles: executorV1.DatasetRole[] = [];
  const stream = api.streamDatasetRows.bind(api);
  api.streamDatasetRows = (req) => {
    roles.push(req.role);
    return stream(req);
  };
  const loader = new DatasetLoader({ api, grader: inlineGrader, apiRetry: { initialMs: 1, maxMs: 2 } });
  return { api, loader, roles };
}

async function failure(p: Promise<unknown>): Promise<JobFailure> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(JobFailure);
  return e as JobFailure;
}

describe('DatasetLoader', () => {
  it('streams every training row in order and streams validation rows only when asked', async () => {
    const { loader, roles } = setup();
    const data = await loader.load(lease, math, false);
    expect(data.trainSet.map((r) => r.prompt)).toEqual(RUNNER_ROWS.map((r) => r.prompt));
    expect(data.validationSet).toEqual([]);
    expect(roles).toEqual([executorV1.DatasetRole.DATASET_ROLE_TRAINING]);

    const both = setup();
    const withValidation = await both.loader.load(lease, math, true);
    expect(withValidation.validationSet).toHaveLength(RUNNER_ROWS.length);
    expect(both.roles).toEqual([
      executorV1.DatasetRole.DATASET_ROLE_TRAINING,
      executorV1.DatasetRole.DATASET_ROLE_VALIDATION,
    ]);
  });

  it('continues a stream broken by a transient error at the first row it lacks', async () => {
    const { api, loader } = setup();
    const stream = api.streamDatasetRows.bind(api);
    const offsets: number[] = [];
    let broken = false;
    api.streamDatasetRows = async function* (req): AsyncIterable<DatasetRowsPage> {
      offsets.push(req.offset);
      for await (const page of stream(req)) {
        yield page;
        if (!broken && page.firstIndex === 3) {
          broken = true;
          throw new ApiCallError(status.UNAVAILABLE, 'connection reset');
        }
      }
    };
    const data = await loader.load(lease, math, false);
    expect(offsets).toEqual([0, 6]);
    expect(data.trainSet.map((r) => r.answer)).toEqual(RUNNER_ROWS.map((r) => r.answer));
  });

  it('fails on a stream that skips rows, ends early, or has no rows', async () => {
    const jump = setup();
    jump.api.streamDatasetRows = async function* (): AsyncIterable<DatasetRowsPage> {
      yield { firstIndex: 0, rows: [{ prompt: '1+1=', answer: '2', id: '' }], totalRows: 3 };
      yield { firstIndex: 2, rows: [{ prompt: '1+2=', answer: '3', id: '' }], totalRows: 3 };
    };
    const jumped = await failure(jump.loader.load(lease, math, false));
    expect(jumped.code).toBe(status.INTERNAL);
    expect(jumped.message).toBe('dataset stream jumped from row 1 to 2');

    const short = setup();
    short.api.streamDatasetRows = async function* (): AsyncIterable<DatasetRowsPage> {
      yield { firstIndex: 0, rows: [{ prompt: '1+1=', answer: '2', id: '' }], totalRows: 5 };
    };
    expect((await failure(short.loader.load(lease, math, false))).message).toBe(
      'the training dataset stream ended at 1 of 5 rows',
    );

    const empty = await failure(setup([]).loader.load(lease, math, false));
    expect(empty.code).toBe(status.FAILED_PRECONDITION);
    expect(empty.message).toBe('the training dataset has no rows');
  });

  it('names the rows whose gold answer the grader cannot parse (the first five)', async () => {
    const bad = { prompt: '1+1=', answer: '\\frac{' };
    const rows = [RUNNER_ROWS[0]!, bad, bad, bad, bad, bad, bad];
    const e = await failure(setup(rows).loader.load(lease, math, false));
    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.message).toBe(
      '6 of 7 training rows have a gold answer the grader cannot parse (rows 2, 3, 4, 5, 6, ...)',
    );
  });

  it("builds a reward function that grades completions with the job's grader", async () => {
    const { loader } = setup();
    const { reward } = await loader.load(lease, math, false);
    const scores = await reward([
      { prompt: '1+2=', answer: '3', completion: 'The answer is 3' },
      { prompt: '1+2=', answer: '3', completion: 'The answer is 4' },
    ]);
    expect(scores).toEqual([1, 0]);
  });
});
