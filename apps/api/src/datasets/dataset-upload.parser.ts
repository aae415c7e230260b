import type { DatasetRow, UploadDatasetRequest } from '@aepo/contracts';
import type { FieldViolation } from '@aepo/contracts';
import { createHash } from 'node:crypto';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import type { RowData } from './dataset.repository.js';

export interface UploadLimits {
  maxRows: number;
  maxRowBytes: number;
  maxBytes: number;
}

export interface UploadSummary {
  rowCount: number;
  sizeBytes: number;
  sha256: string;
}

/** Stop collecting after this many problems: the caller has enough to fix. */
const MAX_VIOLATIONS = 100;

/**
 * Validates the rows of an upload as they arrive (numbered from 1 across the stream, structured rows
 * before JSONL lines within one message). Limits fail fast with RESOURCE_EXHAUSTED; content problems are
 * collected and reported together with INVALID_ARGUMENT. Rows are handed back per message, not kept:
 * the caller streams them on.
 */
export class DatasetUploadParser {
  private readonly violations: FieldViolation[] = [];
  private batch: RowData[] = [];
  private readonly hash = createHash('sha256');
  private totalBytes = 0;
  private rowNumber = 0;
  private rowCount = 0;

  constructor(private readonly limits: UploadLimits) {}

  /** Feeds one stream message; returns the valid rows it carried, in order. */
  add(message: UploadDatasetRequest): RowData[] {
    this.batch = [];
    for (const row of message.rows) this.addRow(row);
    for (const line of message.jsonlLines) {
      const flagged = new Set<string>();
      this.addRow(this.parseLine(line, flagged), flagged);
    }
    return this.batch;
  }

  /** True once any row was invalid: the upload will fail, its rows need not be stored. */
  get failing(): boolean {
    return this.violations.length > 0;
  }

  /** Bytes of the rows so far (prompt + answer + id, UTF-8). */
  get bytes(): number {
    return this.totalBytes;
  }

  private parseLine(line: string, flagged: Set<string>): Partial<DatasetRow> | undefined {
    const n = this.rowNumber + 1;
    if (Buffer.byteLength(line, 'utf8') > this.limits.maxRowBytes + 64) {
      this.tooBig(n);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.violate(`rows[${n}]`, `row ${n} is not valid JSON`);
      return undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      this.violate(`rows[${n}]`, `row ${n} must be a JSON object with prompt and answer`);
      return undefined;
    }
    const obj = parsed as Record<string, unknown>;
    const out: Partial<DatasetRow> = {};
    for (const key of ['prompt', 'answer', 'id'] as const) {
      const value = obj[key];
      if (value === undefined || value === null) continue;
      if (typeof value === 'string') out[key] = value;
      else if (key === 'id' && typeof value === 'number' && Number.isFinite(value)) out.id = String(value);
      else {
        flagged.add(key);
        this.violate(`rows[${n}].${key}`, `row ${n}: ${key} must be a string`);
      }
    }
    for (const key of Object.keys(obj)) {
      if (!['prompt', 'answer', 'id'].includes(key))
        this.violate(`rows[${n}].${key}`, `row ${n}: unknown field ${key}`);
    }
    return out;
  }

  private addRow(row: Partial<DatasetRow> | undefined, flagged: Set<string> = new Set()): void {
    this.rowNumber += 1;
    const n = this.rowNumber;
    if (n > this.limits.maxRows) {
      throw new ApiError(ApiErrorCode.LIMIT_EXCEEDED, `more than ${this.limits.maxRows} rows`, [
        { field: `rows[${n}]`, description: `row ${n} exceeds the limit of ${this.limits.maxRows} rows` },
      ]);
    }
    if (row === undefined) return;
    const prompt = row.prompt ?? '';
    const answer = row.answer ?? '';
    const id = row.id ?? '';
    if (prompt.trim() === '' && !flagged.has('prompt'))
      this.violate(`rows[${n}].prompt`, `row ${n}: prompt is required`);
    if (answer.trim() === '' && !flagged.has('answer'))
      this.violate(`rows[${n}].answer`, `row ${n}: answer is required`);
    if (id.length > 200) this.violate(`rows[${n}].id`, `row ${n}: id must be at most 200 characters`);
    if (prompt.includes('\u0000') || answer.includes('\u0000') || id.includes('\u0000')) {
      this.violate(`rows[${n}]`, `row ${n}: NUL characters are not allowed`);
    }
    const bytes =
      Buffer.byteLength(prompt, 'utf8') + Buffer.byteLength(answer, 'utf8') + Buffer.byteLength(id, 'utf8');
    if (bytes > this.limits.maxRowBytes) this.tooBig(n);
    this.totalBytes += bytes;
    if (this.totalBytes > this.limits.maxBytes) {
      throw new ApiError(ApiErrorCode.LIMIT_EXCEEDED, `upload exceeds ${this.limits.maxBytes} bytes`, [
        { field: `rows[${n}]`, description: `row ${n} takes the upload over ${this.limits.maxBytes} bytes` },
      ]);
    }
    this.hash.update(JSON.stringify([prompt, answer, id]) + '\n');
    this.batch.push({ prompt, answer, id });
    this.rowCount += 1;
  }

  private tooBig(n: number): never {
    throw new ApiError(ApiErrorCode.LIMIT_EXCEEDED, `row ${n} exceeds ${this.limits.maxRowBytes} bytes`, [
      {
        field: `rows[${n}]`,
        description: `row ${n} exceeds the limit of ${this.limits.maxRowBytes} bytes per row`,
      },
    ]);
  }

  private violate(field: string, description: string): void {
    this.violations.push({ field, description });
    if (this.violations.length >= MAX_VIOLATIONS) throw ApiError.invalid(this.violations);
  }

  /** Ends the upload: throws the collected violations, else returns the summary. */
  finish(): UploadSummary {
    if (this.violations.length > 0) throw ApiError.invalid(this.violations);
    if (this.rowCount === 0)
      throw ApiError.invalid([{ field: 'rows', description: 'the upload has no rows' }]);
    return { rowCount: this.rowCount, sizeBytes: this.totalBytes, sha256: this.hash.digest('hex') };
  }
}
