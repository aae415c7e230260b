/**
 * The gRPC client of the Python policy engine (proto aepo.engine.v1): implements libs/aepo's
 * PolicyEngine (sample, train, release) plus what the executor needs (load, checkpoints, health).
 * Maps between the trainer's plain types and the wire types; errors are grpc-js ServiceErrors with
 * their status code, passed through unchanged.
 */
import type {
  LossAggregation as AepoLossAggregation,
  SampleRequest,
  SampleResult,
  TrainRequest,
} from '@aepo/aepo';
import { engineV1 } from '@aepo/contracts';
import { type CallOptions, type Interceptor, Metadata, type ServiceError, credentials } from '@grpc/grpc-js';
import type { EngineLoadRequest, EngineTrainResult, ExecutorEngine } from './engine.port.js';

const AGGREGATION: Record<AepoLossAggregation, engineV1.LossAggregation> = {
  'token-mean': engineV1.LossAggregation.LOSS_AGGREGATION_TOKEN_MEAN,
  'seq-mean-token-mean': engineV1.LossAggregation.LOSS_AGGREGATION_SEQ_MEAN_TOKEN_MEAN,
  'seq-mean-token-sum': engineV1.LossAggregation.LOSS_AGGREGATION_SEQ_MEAN_TOKEN_SUM,
};

const FINISH: Record<string, string> = {
  [engineV1.FinishReason.FINISH_REASON_STOP]: 'stop',
  [engineV1.FinishReason.FINISH_REASON_LENGTH]: 'length',
};

export interface EngineClientOptions {
  /** Deadline of Health calls in ms. Default 2000. */
  healthTimeoutMs?: number;
  /** Deadline of every other call in ms; 0 = none (a 7B Train can take minutes). Default 0. */
  callTimeoutMs?: number;
  /** Largest message in either direction. Default 256 MiB (big Sample responses). */
  maxMessageBytes?: number;
  /** gRPC client interceptors (tests read the engine's answers on the wire with one). Default none. */
  interceptors?: Interceptor[];
}

/** Request and response type of each rpc. */
interface Rpcs {
  load: [engineV1.LoadRequest, engineV1.LoadResponse];
  sample: [engineV1.SampleRequest, engineV1.SampleResponse];
  train: [engineV1.TrainRequest, engineV1.TrainResponse];
  releaseRollouts: [engineV1.ReleaseRolloutsRequest, engineV1.ReleaseRolloutsResponse];
  saveCheckpoint: [engineV1.SaveCheckpointRequest, engineV1.SaveCheckpointResponse];
  loadCheckpoint: [engineV1.LoadCheckpointRequest, engineV1.LoadCheckpointResponse];
  info: [engineV1.InfoRequest, engineV1.InfoResponse];
  health: [engineV1.HealthRequest, engineV1.HealthResponse];
}
type Unary = (
  req: unknown,
  md: Metadata,
  opts: Partial<CallOptions>,
  cb: (err: ServiceError | null, res: unknown) => void,
) => unknown;

export class EngineClient implements ExecutorEngine {
  private constructor(
    private readonly stub: engineV1.PolicyEngineClient,
    private readonly opts: Required<EngineClientOptions>,
  ) {}

  /** A client for `address` (`unix:///path.sock` or `host:port`); connects lazily. */
  static connect(address: string, options: EngineClientOptions = {}): EngineClient {
    const opts = {
      healthTimeoutMs: 2000,
      callTimeoutMs: 0,
      maxMessageBytes: 256 * 1024 * 1024,
      interceptors: [],
      ...options,
    };
    const stub = new engineV1.PolicyEngineClient(address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': opts.maxMessageBytes,
      'grpc.max_send_message_length': opts.maxMessageBytes,
      interceptors: opts.interceptors,
    });
    return new EngineClient(stub, opts);
  }

  close(): void {
    this.stub.close();
  }

  async load(req: EngineLoadRequest): Promise<engineV1.LoadResponse> {
    const o = req.options;
    return this.call('load', {
      model: req.model,
      dtype: '',
      device: '',
      seed: req.seed,
      optimizer: {
        lr: req.lr,
        beta1: o.adam.beta1,
        beta2: o.adam.beta2,
        eps: o.adam.eps,
        weightDecay: req.weightDecay,
        gradClip: req.gradClip,
      },
      klReference: req.klCoef > 0,
      ...(o.gradientCheckpointing !== undefined ? { gradientCheckpointing: o.gradientCheckpointing } : {}),
      precision: o.precision,
      maxTokensPerMicroBatch: o.maxTokensPerMicroBatch,
      chatTemplate: o.chatTemplate,
      ...(o.lora ? { lora: { ...o.lora, targetModules: [...o.lora.targetModules] } } : {}),
    });
  }

  async sample(req: SampleRequest): Promise<SampleResult> {
    const res = await this.call('sample', {
      groups: req.groups.map((g) => ({
        text: g.prompt,
        messages: [],
        n: g.n,
        temperature: g.temperature,
        topP: req.topP,
        maxNewTokens: req.maxTokens,
        stop: [...req.stop],
      })),
      seed: req.seed,
      discardRollouts: !req.keepRollouts,
      maxTokensPerBatch: 0,
    });
    return {
      groups: res.groups.map((g) =>
        g.completions.map((c) => ({
          rolloutId: c.rolloutId,
          text: c.text,
          tokens: c.tokens,
          finishReason: FINISH[c.finishReason] ?? 'unspecified',
          entropy: c.entropy,
          negLogProb: c.negLogProb,
        })),
      ),
      seconds: res.seconds,
    };
  }

  async train(req: TrainRequest): Promise<EngineTrainResult> {
    const l = req.loss;
    const res = await this.call('train', {
      items: req.items.map((it) => ({
        rolloutId: it.rolloutId,
        advantage: it.advantage,
        tokenAdvantages: [],
      })),
      loss: {
        clipLow: l.clipLow,
        clipHigh: l.clipHigh,
        dualClip: l.dualClip,
        aggregation: AGGREGATION[l.aggregation],
        klCoef: l.klCoef,
        entropyCoef: l.entropyCoef,
        entropyAdvAlpha: l.entropyAdvAlpha,
        entropyAdvKappa: l.entropyAdvKappa,
        miniBatchSize: l.miniBatchSize,
        microBatchSize: l.microBatchSize,
        epochs: l.epochs,
        shuffleSeed: l.shuffleSeed,
      },
      keepRollouts: false,
      maxTokensPerMicroBatch: 0,
    });
    return {
      entropy: res.entropy,
      entropySampled: res.entropySampled,
      policyLoss: res.policyLoss,
      clipFractionLow: res.clipFractionLow,
      clipFractionHigh: res.clipFractionHigh,
      clipFractionDual: res.clipFractionDual,
      approxKl: res.approxKl,
      kl: res.kl,
      gradNorm: res.gradNorm,
      lr: res.lr,
      tokens: res.tokens,
      seconds: res.seconds,
      nonFiniteSteps: res.nonFiniteSteps,
    };
  }

  async release(rolloutIds: string[]): Promise<void> {
    if (rolloutIds.length === 0) return;
    await this.call('releaseRollouts', { rolloutIds });
  }

  async saveCheckpoint(
    dir: string,
    opts: { mergeAdapter?: boolean } = {},
  ): Promise<engineV1.SaveCheckpointResponse> {
    return this.call('saveCheckpoint', { path: dir, mergeAdapter: opts.mergeAdapter ?? false });
  }

  async loadCheckpoint(dir: string): Promise<engineV1.LoadCheckpointResponse> {
    return this.call('loadCheckpoint', { path: dir });
  }

  async info(): Promise<engineV1.InfoResponse> {
    return this.call('info', {});
  }

  /** True when the engine answers Health as serving within the health deadline; never throws. */
  async health(): Promise<boolean> {
    try {
      const res = await this.call('health', {}, this.opts.healthTimeoutMs);
      return res.serving;
    } catch {
      return false;
    }
  }

  private call<K extends keyof Rpcs>(
    name: K,
    req: Rpcs[K][0],
    timeoutMs = this.opts.callTimeoutMs,
  ): Promise<Rpcs[K][1]> {
    const options: Partial<CallOptions> = timeoutMs > 0 ? { deadline: Date.now() + timeoutMs } : {};
    const method = this.stub[name] as unknown as Unary;
    return new Promise((resolve, reject) => {
      method.call(this.stub, req, new Metadata(), options, (err, res) =>
        err ? reject(err) : resolve(res as Rpcs[K][1]),
      );
    });
  }
}
