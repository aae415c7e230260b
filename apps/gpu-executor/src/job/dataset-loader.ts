/**
 * The job's data: streams the training (and, when validation runs, the validation) rows from the API,
 * checks that the grader can parse every gold answer, and builds the reward function the trainer
 * calls. Fails the job early, naming the rows, rather than training on data it cannot grade.
 */
import type { Example, RewardFn } from '@aepo/aepo';
import { executorV1 } from '@aepo/contracts';
import type { GradeResult, GraderSpec, GradingItem } from '@aepo/rewards';
import { status } from '@grpc/grpc-js';
import { withApiRetry } from '../api/api-retry.js';
import type { ExecutorApi } from '../api/executor-api.port.js';
import { JobFailure } from './job-errors.js';

export interface Grader {
  gradeBatch(items: GradingItem[]): Promise<(GradeResult | null)[]>;
}

/** What the trainer is built from. */
export interface JobData {
  trainSet: Example[];
  validationSet: Example[];
  reward: RewardFn;
}

export interface DatasetLoaderOptions {
  api: ExecutorApi;
  grader: Grader;
  apiRetry: { initialMs: number; maxMs: number };
}

/** Which lease's rows to stream (the API fences the stream by attempt). */
export interface DatasetLease {
  jobId: string;
  attempt: number;
}

export class DatasetLoader {
  constructor(private readonly o: DatasetLoaderOptions) {}

  /** `withValidation`: the job has a validation set and evaluates it (otherwise it is not streamed). */
  async load(lease: DatasetLease, grader: GraderSpec, withValidation: boolean): Promise<JobData> {
    const trainSet = await this.loadRows(lease, executorV1.DatasetRole.DATASET_ROLE_TRAINING);
    const validationSet = withValidation
      ? await this.loadRows(lease, executorV1.DatasetRole.DATASET_ROLE_VALIDATION)
      : [];
    await this.checkGradable(trainSet, grader, 'training');
    await this.checkGradable(validationSet, grader, 'validation');
    return { trainSet, validationSet, reward: gradingReward(this.o.grader, grader) };
  }

  /** Every row of one role, in order; a retried stream continues at the first row it lacks. */
  private async loadRows(lease: DatasetLease, role: executorV1.DatasetRole): Promise<Example[]> {
    const rows: Example[] = [];
    let total = -1;
    await withApiRetry(
      async () => {
        for await (const page of this.o.api.streamDatasetRows({
          jobId: lease.jobId,
          attempt: lease.attempt,
          role,
          offset: rows.length,
        })) {
          if (page.firstIndex !== rows.length) {
            throw new JobFailure(
              status.INTERNAL,
              `dataset stream jumped from row ${rows.length} to ${page.firstIndex}`,
            );
          }
          for (const r of page.rows)
            rows.push(
              r.id
                ? { prompt: r.prompt, answer: r.answer, id: r.id }
                : { prompt: r.prompt, answer: r.answer },
            );
          total = page.totalRows;
        }
      },
      { ...this.o.apiRetry },
    );
    if (rows.length === 0)
      throw new JobFailure(status.FAILED_PRECONDITION, `the ${roleName(role)} dataset has no rows`);
    if (total >= 0 && rows.length !== total) {
      throw new JobFailure(
        status.INTERNAL,
        `the ${roleName(role)} dataset stream ended at ${rows.length} of ${total} rows`,
      );
    }
    return rows;
  }

  /** Fails early when gold answers cannot be parsed by the job's grader (null grade). */
  private async checkGradable(rows: Example[], spec: GraderSpec, name: string): Promise<void> {
    if (rows.length === 0) return;
    const results = await this.o.grader.gradeBatch(
      rows.map((r) => ({ pred: r.answer, gold: r.answer, spec })),
    );
    const bad: number[] = [];
    results.forEach((r, i) => {
      if (r === null) bad.push(i + 1);
    });
    if (bad.length > 0) {
      throw new JobFailure(
        status.FAILED_PRECONDITION,
        `${bad.length} of ${rows.length} ${name} rows have a gold answer the grader cannot parse (rows ${bad.slice(0, 5).join(', ')}${bad.length > 5 ? ', ...' : ''})`,
      );
    }
  }
}

/** The trainer's reward: each completion graded against its gold answer by the job's grader (ungradable: 0). */
export function gradingReward(grader: Grader, spec: GraderSpec): RewardFn {
  return async (items) =>
    (await grader.gradeBatch(items.map((it) => ({ pred: it.completion, gold: it.answer, spec })))).map(
      (r) => r?.score ?? 0,
    );
}

function roleName(role: executorV1.DatasetRole): string {
  return role === executorV1.DatasetRole.DATASET_ROLE_VALIDATION ? 'validation' : 'training';
}
