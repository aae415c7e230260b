/**
 * The few calls of MLflow's REST API (2.0) the tracker makes, over fetch. Every failure is an
 * MlflowError: `unreachable` (network, timeout, 5xx: retry later) or an answer with MLflow's error code.
 */

/** MLflow's REST limits of one runs/log-batch request. */
export const LOG_BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, entities: 1000 } as const;
/** Longest param value (MLflow 2.x and 3.x) and tag value the server stores. */
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;
export const MAX_KEY_LENGTH = 250;

export interface MlflowMetric {
  key: string;
  /** NaN and infinities as numbers: sent in their proto3 JSON string forms. */
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
}

export interface MlflowTag {
  key: string;
  value: string;
}

export type MlflowRunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';

export class MlflowError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when no answer came. */
    readonly httpStatus: number,
    /** MLflow's error_code (RESOURCE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE, ...), '' when none. */
    readonly errorCode: string,
  ) {
    super(message);
    this.name = 'MlflowError';
  }

  /** No answer, or the server's own failure: the same call may succeed later. */
  get unreachable(): boolean {
    return this.httpStatus === 0 || this.httpStatus >= 500 || this.httpStatus === 429;
  }
}

export interface MlflowClientOptions {
  /** Sent as `Authorization: Bearer`, when set. */
  token?: string | undefined;
  timeoutMs: number;
  /** Aborts every call in flight (API shutdown). */
  signal?: AbortSignal;
}

function jsonNumber(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

export class MlflowClient {
  private readonly base: string;

  constructor(
    trackingUri: string,
    private readonly options: MlflowClientOptions,
  ) {
    this.base = trackingUri.replace(/\/+$/, '');
  }

  private async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.options.token) headers['authorization'] = `Bearer ${this.options.token}`;
    let payload: string | Buffer | undefined;
    if (Buffer.isBuffer(body)) {
      payload = body;
      headers['content-type'] = 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const signals = [AbortSignal.timeout(this.options.timeoutMs)];
    if (this.options.signal) signals.push(this.options.signal);
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        body: payload,
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      throw new MlflowError(`${method} ${path}: ${cause ?? (err as Error).message}`, 0, '');
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      let code = '';
      let message = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as { error_code?: string; message?: string };
        code = parsed.error_code ?? '';
        message = parsed.message ?? message;
      } catch {
        // not MLflow's JSON error (a proxy's page): keep the text
      }
      throw new MlflowError(
        `${method} ${path}: HTTP ${res.status} ${code} ${message}`.trim(),
        res.status,
        code,
      );
    }
    try {
      return (text === '' ? {} : JSON.parse(text)) as T;
    } catch {
      // Something else answers at that URL (a proxy's or another app's page).
      throw new MlflowError(`${method} ${path}: the answer is not MLflow's JSON`, res.status, 'BAD_RESPONSE');
    }
  }

  /** The experiment's id, creating it when missing (a racing creator's experiment is taken). */
  async ensureExperiment(name: string): Promise<string> {
    const found = await this.experimentByName(name);
    if (found) return found;
    try {
      const created = await this.request<{ experiment_id: string }>(
        'POST',
        '/api/2.0/mlflow/experiments/create',
        { name },
      );
      return created.experiment_id;
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') {
        const again = await this.experimentByName(name);
        if (again) return again;
      }
      throw err;
    }
  }

  private async experimentByName(name: string): Promise<string | undefined> {
    try {
      const res = await this.request<{ experiment: { experiment_id: string; lifecycle_stage: string } }>(
        'GET',
        `/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
      );
      return res.experiment.experiment_id;
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_DOES_NOT_EXIST') return undefined;
      throw err;
    }
  }

  /** The id of a run of `experimentId` carrying tag key = value (the oldest), if any. */
  async findRunByTag(experimentId: string, key: string, value: string): Promise<string | undefined> {
    const res = await this.request<{ runs?: { info: { run_id: string } }[] }>(
      'POST',
      '/api/2.0/mlflow/runs/search',
      {
        experiment_ids: [experimentId],
        filter: `tags.\`${key}\` = '${value.replace(/'/g, "\\'")}'`,
        max_results: 1,
        order_by: ['attributes.start_time ASC'],
      },
    );
    return res.runs?.[0]?.info.run_id;
  }

  async createRun(
    experimentId: string,
    runName: string,
    startTime: number,
    tags: MlflowTag[],
  ): Promise<{ runId: string; artifactUri: string }> {
    const res = await this.request<{ run: { info: { run_id: string; artifact_uri: string } } }>(
      'POST',
      '/api/2.0/mlflow/runs/create',
      { experiment_id: experimentId, run_name: runName, start_time: startTime, tags },
    );
    return { runId: res.run.info.run_id, artifactUri: res.run.info.artifact_uri };
  }

  async getRun(runId: string): Promise<{ artifactUri: string; status: string }> {
    const res = await this.request<{ run: { info: { artifact_uri: string; status: string } } }>(
      'GET',
      `/api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`,
    );
    return { artifactUri: res.run.info.artifact_uri, status: res.run.info.status };
  }

  /** One runs/log-batch call; the caller keeps within LOG_BATCH_LIMITS. */
  async logBatch(
    runId: string,
    batch: { metrics?: MlflowMetric[]; params?: MlflowTag[]; tags?: MlflowTag[] },
  ): Promise<void> {
    await this.request('POST', '/api/2.0/mlflow/runs/log-batch', {
      run_id: runId,
      metrics: (batch.metrics ?? []).map((m) => ({ ...m, value: jsonNumber(m.value) })),
      params: batch.params ?? [],
      tags: batch.tags ?? [],
    });
  }

  async endRun(runId: string, status: MlflowRunStatus, endTime: number): Promise<void> {
    await this.request('POST', '/api/2.0/mlflow/runs/update', {
      run_id: runId,
      status,
      end_time: endTime,
    });
  }

  /**
   * Writes one artifact file of a run through the server's artifact proxy (`mlflow server
   * --serve-artifacts`, the default). False when the run's artifacts are not proxied (the server
   * stores them where the API cannot write: use tags instead).
   */
  async putRunArtifact(artifactUri: string, relativePath: string, content: Buffer): Promise<boolean> {
    const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(artifactUri);
    if (!m) return false;
    const path = `${m[1]!.replace(/\/+$/, '')}/${relativePath}`.split('/').map(encodeURIComponent).join('/');
    await this.request('PUT', `/api/2.0/mlflow-artifacts/artifacts/${path}`, content);
    return true;
  }

  /** Creates the registered model unless it exists. */
  async ensureRegisteredModel(name: string): Promise<void> {
    try {
      await this.request('POST', '/api/2.0/mlflow/registered-models/create', { name });
    } catch (err) {
      if (err instanceof MlflowError && err.errorCode === 'RESOURCE_ALREADY_EXISTS') return;
      throw err;
    }
  }

  /** The version of `name` created from run `runId`, if one exists (a retry after a lost answer). */
  async findModelVersion(name: string, runId: string): Promise<string | undefined> {
    const filter = `name='${name.replace(/'/g, "\\'")}' and run_id='${runId}'`;
    const res = await this.request<{ model_versions?: { version: string }[] }>(
      'GET',
      `/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent(filter)}`,
    );
    return res.model_versions?.[0]?.version;
  }

  async createModelVersion(
    name: string,
    source: string,
    runId: string,
    tags: MlflowTag[],
    description: string,
  ): Promise<string> {
    const res = await this.request<{ model_version: { version: string } }>(
      'POST',
      '/api/2.0/mlflow/model-versions/create',
      { name, source, run_id: runId, tags, description },
    );
    return res.model_version.version;
  }
}
