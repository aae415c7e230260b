import { Inject, Injectable } from '@nestjs/common';
import { datasetName, type Dataset, type UploadDatasetRequest } from '@aepo/contracts';
import { randomUUID } from 'node:crypto';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { decodePageToken, encodePageToken, pageSize, TIME_ID_CURSOR } from '../common/page-token.js';
import { checkDisplayName, checkLabels, REQUEST_ID_RE, UUID_RE, Violations } from '../common/violations.js';
import { checkOwnParent } from '../common/resource-name.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import type { DatasetEntity } from '../database/entities/index.js';
import { DatasetUploadParser, type UploadLimits } from './dataset-upload.parser.js';
import { DatasetRepository, DatasetUpload, type RowData } from './dataset.repository.js';
import { ProjectQuotas } from '../quotas/project-quotas.js';

/** Rows of an upload waiting to be written: about 1 MB or 2000 rows per INSERT. */
class RowBatch {
  private rows: RowData[] = [];
  private bytes = 0;

  push(rows: RowData[]): void {
    for (const r of rows) {
      this.rows.push(r);
      this.bytes += r.prompt.length + r.answer.length + r.id.length;
    }
  }

  get full(): boolean {
    return this.bytes >= 1024 * 1024 || this.rows.length >= 2000;
  }

  take(): RowData[] {
    const rows = this.rows;
    this.rows = [];
    this.bytes = 0;
    return rows;
  }
}

function checkUploadMetadata(metadata: NonNullable<UploadDatasetRequest['metadata']>): void {
  const v = new Violations();
  checkDisplayName(v, 'metadata.display_name', metadata.displayName, true);
  checkLabels(v, 'metadata.labels', metadata.labels);
  if (metadata.requestId !== '' && !REQUEST_ID_RE.test(metadata.requestId)) {
    v.add('metadata.request_id', 'must be 1..100 characters of [A-Za-z0-9_-]');
  }
  if (!v.empty) throw ApiError.invalid(v.list);
}

/**
 * A retried upload (its request_id already stored a dataset) is read to its end and hashed the way the
 * first one was: the same rows, display name and labels answer the stored dataset; anything else is
 * ALREADY_EXISTS, so a client never mistakes another upload's dataset for its own.
 */
async function sameUpload(
  requestId: string,
  metadata: NonNullable<UploadDatasetRequest['metadata']>,
  first: UploadDatasetRequest,
  rest: AsyncIterable<UploadDatasetRequest>,
  stored: DatasetEntity,
  limits: UploadLimits,
): Promise<DatasetEntity> {
  const parser = new DatasetUploadParser(limits);
  let sha256: string | null = null;
  try {
    parser.add(first);
    for await (const message of rest) parser.add(message);
    sha256 = parser.finish().sha256;
  } catch (err) {
    // Rows the first upload would have refused cannot be that upload.
    if (!(err instanceof ApiError)) throw err;
  }
  const sameMetadata =
    metadata.displayName === stored.displayName && sameLabels(metadata.labels, stored.labels);
  if (sha256 === stored.sha256 && sameMetadata) return stored;
  const what = sha256 === stored.sha256 ? 'display name or labels' : 'rows';
  throw new ApiError(
    ApiErrorCode.ALREADY_EXISTS,
    `request_id ${JSON.stringify(requestId)} was already used by an upload with other ${what} ` +
      `(${datasetName(stored.projectId, stored.id)}); retry with the same upload, or use a new request_id for a new dataset`,
    [
      {
        field: 'metadata.request_id',
        description: `already used by another upload (${datasetName(stored.projectId, stored.id)})`,
      },
    ],
  );
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

export function toDatasetProto(e: DatasetEntity): Dataset {
  return {
    name: datasetName(e.projectId, e.id),
    displayName: e.displayName,
    rowCount: e.rowCount,
    sizeBytes: e.sizeBytes,
    sha256: e.sha256,
    createTime: e.createTime,
    labels: e.labels,
  };
}

@Injectable()
export class DatasetService {
  constructor(
    @Inject(DatasetRepository) private readonly datasets: DatasetRepository,
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    @Inject(ProjectQuotas) private readonly quotas: ProjectQuotas,
  ) {}

  /**
   * Consumes the whole upload stream, writing its rows into Postgres as they arrive (batches of about
   * 1 MB in one transaction, so memory stays bounded whatever the upload's size); nothing is stored
   * unless every row is valid and the project's quotas allow it.
   */
  async upload(projectId: string, messages: AsyncIterable<UploadDatasetRequest>): Promise<Dataset> {
    const iterator = messages[Symbol.asyncIterator]();
    const first = await iterator.next();
    const metadata = first.done ? undefined : first.value.metadata;
    if (first.done || metadata === undefined) {
      throw ApiError.invalid([{ field: 'metadata', description: 'the first message must carry metadata' }]);
    }
    checkUploadMetadata(metadata);
    checkOwnParent(metadata.parent, 'metadata.parent', projectId);
    const requestId = metadata.requestId === '' ? null : metadata.requestId;
    const rest = { [Symbol.asyncIterator]: () => iterator };
    const limits: UploadLimits = {
      maxRows: this.config.datasetMaxRows,
      maxRowBytes: this.config.datasetMaxRowBytes,
      maxBytes: this.config.datasetMaxBytes,
    };
    const existing = requestId ? await this.datasets.getByRequestId(projectId, requestId) : null;
    if (existing)
      return toDatasetProto(await sameUpload(requestId ?? '', metadata, first.value, rest, existing, limits));

    let upload: DatasetUpload | null = null;
    try {
      const storedBefore = await this.quotas.storedDatasetBytes(projectId);
      upload = await this.datasets.openUpload({
        id: randomUUID(),
        projectId,
        displayName: metadata.displayName,
        labels: metadata.labels,
        requestId,
      });
      if (upload === null) {
        // An identical retry committed first: answer with its dataset.
        const winner = requestId ? await this.datasets.getByRequestId(projectId, requestId) : null;
        if (!winner) throw new Error('dataset insert conflicted but no dataset carries its request_id');
        return toDatasetProto(await sameUpload(requestId ?? '', metadata, first.value, rest, winner, limits));
      }
      await this.quotas.takeUploadSlot(projectId, upload.tx);
      const parser = new DatasetUploadParser(limits);
      const batch = new RowBatch();
      const flush = async (writer: DatasetUpload) => {
        this.quotas.checkStoredBytes(projectId, storedBefore + parser.bytes);
        // Once a row is invalid the upload fails at the end; its rows need not be written.
        const rows = batch.take();
        if (!parser.failing) await writer.append(rows);
      };
      batch.push(parser.add(first.value));
      for await (const message of rest) {
        batch.push(parser.add(message));
        if (batch.full) await flush(upload);
      }
      const totals = parser.finish();
      await flush(upload);
      // The early checks read the bytes stored when this upload began; this one is exact.
      await this.quotas.checkStoredBytesAtCommit(projectId, upload.tx, totals.sizeBytes);
      return toDatasetProto(await upload.finish(totals));
    } finally {
      await upload?.abort();
    }
  }

  async get(projectId: string, id: string): Promise<Dataset> {
    if (id === '') throw ApiError.invalid([{ field: 'id', description: 'is required' }]);
    const found = UUID_RE.test(id) ? await this.datasets.get(projectId, id) : null;
    if (!found) throw ApiError.notFound('dataset', id);
    return toDatasetProto(found);
  }

  async list(
    projectId: string,
    size: number,
    token: string,
  ): Promise<{ datasets: Dataset[]; nextPageToken: string }> {
    const limit = pageSize(size, 50);
    const after = decodePageToken(token, 'datasets', TIME_ID_CURSOR) as [string, string] | undefined;
    const rows = await this.datasets.list(projectId, after, limit);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      datasets: page.map(toDatasetProto),
      nextPageToken:
        rows.length > limit && last
          ? encodePageToken([last.createTime.toISOString(), last.id], 'datasets')
          : '',
    };
  }

  async delete(projectId: string, id: string): Promise<void> {
    if (id === '') throw ApiError.invalid([{ field: 'id', description: 'is required' }]);
    const result = UUID_RE.test(id) ? await this.datasets.deleteIfUnused(projectId, id) : 'not_found';
    if (result === 'not_found') throw ApiError.notFound('dataset', id);
    if (result === 'in_use') {
      throw new ApiError(ApiErrorCode.IN_USE, `dataset ${id} is used by a QUEUED, RUNNING or PAUSED job`);
    }
  }
}
