import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { failure, tinyRows, upload } from '../testing/grpc-helpers.js';
import { call } from '../testing/test-api.js';
import { c, md, create } from './fixture.js';

// Dataset upload, idempotency, paging and deletion. Cases of fine-tuning.integration-spec.ts, which runs them against fixture.ts's API.
describe('datasets', () => {
  it('stores structured and JSONL rows, with row count, size and hash', async () => {
    const res = await upload(c, md, [
      { metadata: { displayName: 'mixed', labels: { team: 'rl' }, requestId: '' }, rows: tinyRows(2) },
      { jsonlLines: ['{"prompt": "1+1=", "answer": "2"}', '{"prompt": "2+2=", "answer": "4", "id": 7}'] },
    ]);
    const d = res.dataset!;
    expect(d.rowCount).toBe(4);
    expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(d.createTime).toBeInstanceOf(Date);
    expect(d.labels).toEqual({ team: 'rl' });
    const bytes = [
      ...tinyRows(2),
      { prompt: '1+1=', answer: '2', id: '' },
      { prompt: '2+2=', answer: '4', id: '7' },
    ]
      .map((r) => Buffer.byteLength(r.prompt + r.answer + r.id))
      .reduce((a, b) => a + b);
    expect(d.sizeBytes).toBe(bytes);
    const got = await call(c, c.getDataset, { name: d.name }, md);
    expect(got.dataset).toEqual(d);
  });

  it('rejects the whole upload when one row is bad, naming row and field', async () => {
    const rows = tinyRows(5);
    rows[2] = { prompt: '3+4=', answer: '', id: '' };
    const bad = await failure(
      upload(c, md, [{ metadata: { displayName: 'bad', labels: {}, requestId: '' }, rows }]),
    );
    expect(bad).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['rows[3].answer'] });
    const json = await failure(
      upload(c, md, [
        {
          metadata: { displayName: 'bad json', labels: {}, requestId: '' },
          jsonlLines: [
            '{"prompt":"1+1=","answer":"2"}',
            '{oops',
            '{"prompt": 5, "answer": "2"}',
            '{"answer":"2"}',
          ],
        },
      ]),
    );
    expect(json).toMatchObject({
      code: status.INVALID_ARGUMENT,
      fields: ['rows[2]', 'rows[3].prompt', 'rows[4].prompt'],
    });
    const none = await failure(
      upload(c, md, [{ metadata: { displayName: 'empty', labels: {}, requestId: '' } }]),
    );
    expect(none).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['rows'] });
    const noMeta = await failure(upload(c, md, [{ rows: tinyRows(1) }]));
    expect(noMeta).toMatchObject({ code: status.INVALID_ARGUMENT, fields: ['metadata'] });
    const list = await call(c, c.listDatasets, { parent: '', pageSize: 1000, pageToken: '' }, md);
    expect(list.datasets.map((d) => d.displayName)).not.toContain('bad');
  });

  it('answers RESOURCE_EXHAUSTED past the row and byte limits', async () => {
    const many = await failure(
      upload(c, md, [{ metadata: { displayName: 'many', labels: {}, requestId: '' }, rows: tinyRows(51) }]),
    );
    expect(many).toMatchObject({ code: status.RESOURCE_EXHAUSTED, fields: ['rows[51]'] });
    const big = await failure(
      upload(c, md, [
        {
          metadata: { displayName: 'big', labels: {}, requestId: '' },
          rows: [{ prompt: 'x'.repeat(300), answer: '1', id: '' }],
        },
      ]),
    );
    expect(big).toMatchObject({ code: status.RESOURCE_EXHAUSTED, fields: ['rows[1]'] });
  });

  it('is idempotent by request_id and pages newest first', async () => {
    const meta = { displayName: 'idem', labels: {}, requestId: 'upload-1' };
    const rows = tinyRows(3);
    const a = await upload(c, md, [{ metadata: meta, rows }]);
    // The same rows, split differently across messages: the same upload, answered with its dataset.
    const b = await upload(c, md, [{ metadata: meta, rows: rows.slice(0, 1) }, { rows: rows.slice(1) }]);
    expect(b.dataset).toEqual(a.dataset);
    // Other rows, other metadata or rows the first upload would have refused: another upload.
    for (const retry of [
      [{ metadata: meta, rows: tinyRows(9) }],
      [{ metadata: meta, rows: [...rows.slice(0, 2), { ...rows[2]!, answer: 'other' }] }],
      [{ metadata: { ...meta, labels: { team: 'b' } }, rows }],
      [{ metadata: { ...meta, displayName: 'other' }, rows }],
      [{ metadata: meta, rows: [...rows, { prompt: '', answer: '1', id: '' }] }],
    ] as Parameters<typeof upload>[2][]) {
      const reused = await failure(upload(c, md, retry));
      expect(reused).toMatchObject({ code: status.ALREADY_EXISTS, fields: ['metadata.request_id'] });
      expect(reused.message).toContain(a.dataset!.name);
    }
    expect((await call(c, c.getDataset, { name: a.dataset!.name }, md)).dataset).toEqual(a.dataset);
    const ids: string[] = [];
    let token = '';
    do {
      const page = await call(c, c.listDatasets, { parent: '', pageSize: 2, pageToken: token }, md);
      ids.push(...page.datasets.map((d) => d.name));
      token = page.nextPageToken;
    } while (token);
    const all = await call(c, c.listDatasets, { parent: '', pageSize: 100, pageToken: '' }, md);
    expect(ids).toEqual(all.datasets.map((d) => d.name));
    const times = all.datasets.map((d) => d.createTime!.getTime());
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(
      (await failure(call(c, c.listDatasets, { parent: '', pageSize: 2, pageToken: 'garbage' }, md))).fields,
    ).toEqual(['page_token']);
    expect(
      (await failure(call(c, c.listDatasets, { parent: '', pageSize: 5000, pageToken: '' }, md))).fields,
    ).toEqual(['page_size']);
  });

  it('refuses to delete a dataset a live job uses, and deletes it once the job ended', async () => {
    const d = (
      await upload(c, md, [
        { metadata: { displayName: 'del', labels: {}, requestId: '' }, rows: tinyRows(2) },
      ])
    ).dataset!;
    const job = await create({ trainingDataset: d.name });
    expect((await failure(call(c, c.deleteDataset, { name: d.name }, md))).code).toBe(
      status.FAILED_PRECONDITION,
    );
    await call(c, c.cancelJob, { name: job.name }, md);
    await call(c, c.deleteDataset, { name: d.name }, md);
    expect((await failure(call(c, c.getDataset, { name: d.name }, md))).code).toBe(status.NOT_FOUND);
    expect((await failure(call(c, c.deleteDataset, { name: d.name }, md))).code).toBe(status.NOT_FOUND);
  });
});
