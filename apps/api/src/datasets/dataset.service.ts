import { Inject, Injectable } from '@nestjs/common';
import type { Dataset, UploadDatasetRequest } from '@aepo/contracts';
import { randomUUID } from 'node:crypto';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { decodePageToken, encodePageToken, pageSize, TIME_ID_CURSOR } from '../common/page-token.js';
import { checkDisplayName, checkLabels, REQUEST_ID_RE, UUID_RE, Violations } from '../common/violations.js';
import { API_CONFIG, type ApiConfig } from '../config/api-config.js';
import type { DatasetEntity } from '../database/entities/index.js';
import { DatasetUploadParser } from './dataset-upload.parser.js';
import { DatasetRepository } from './dataset.repository.js';

export function toDatasetProto(e: DatasetEntity): Dataset {
  return {
    id: e.id,
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
  ) {}

  /** Consumes the whole upload stream; nothing is stored unless every row is valid. */
  async upload(projectId: string, messages: AsyncIterable<UploadDatasetRequest>): Promise<Dataset> {
    const parser = new DatasetUploadParser({
      maxRows: this.config.datasetMaxRows,
      maxRowBytes: this.config.datasetMaxRowBytes,
      maxBytes: this.config.datasetMaxBytes,
    });
    let metadata: UploadDatasetRequest['metadata'];
    let first = true;
    let existing: DatasetEntity | null = null;
    for await (const message of messages) {
      if (first) {
        first = false;
        metadata = message.metadata;
        if (metadata === undefined) {
          throw ApiError.invalid([
            { field: 'metadata', description: 'the first message must carry metadata' },
          ]);
        }
        const v = new Violations();
        checkDisplayName(v, 'metadata.display_name', metadata.displayName, true);
        checkLabels(v, 'metadata.labels', metadata.labels);
        if (metadata.requestId !== '' && !REQUEST_ID_RE.test(metadata.requestId)) {
          v.add('metadata.request_id', 'must be 1..100 characters of [A-Za-z0-9_-]');
        }
        if (!v.empty) throw ApiError.invalid(v.list);
        if (metadata.requestId !== '')
          existing = await this.datasets.getByRequestId(projectId, metadata.requestId);
      }
      if (existing === null) parser.add(message);
    }
    if (first || metadata === undefined) {
      throw ApiError.invalid([{ field: 'metadata', description: 'the first message must carry metadata' }]);
    }
    if (existing) return toDatasetProto(existing);
    const { rows, sizeBytes, sha256 } = parser.finish();
    const requestId = metadata.requestId === '' ? null : metadata.requestId;
    const stored = await this.datasets.insert(
      {
        id: randomUUID(),
        projectId,
        displayName: metadata.displayName,
        labels: metadata.labels,
        rowCount: rows.length,
        sizeBytes,
        sha256,
        requestId,
      },
      rows,
    );
    if (stored) return toDatasetProto(stored);
    // Lost a race with an identical retry: answer with the winner.
    const winner = requestId ? await this.datasets.getByRequestId(projectId, requestId) : null;
    if (!winner) throw new Error('dataset insert conflicted but no dataset carries its request_id');
    return toDatasetProto(winner);
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
