import { engineV1 } from '@aepo/contracts';
import {
  Server,
  ServerCredentials,
  type ServiceError,
  type UntypedServiceImplementation,
  status,
} from '@grpc/grpc-js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from './engine-client.js';

// A scripted PolicyEngine server on a real unix socket: records what arrives, answers fixed values.
const seen: Record<string, unknown[]> = {};
const record = (name: string, req: unknown) => (seen[name] ??= []).push(req);
type Cb = (err: Partial<ServiceError> | null, res?: unknown) => void;
const handler =
  (name: string, answer: (req: never) => unknown) =>
  (call: { request: never }, cb: Cb): void => {
    record(name, call.request);
    try {
      cb(null, answer(call.request));
    } catch (e) {
      cb(e as Partial<ServiceError>);
    }
  };

const server = new Server();
const impl = {
  load: handler('load', () =>
    engineV1.LoadResponse.fromPartial({ model: { model: 'builtin:tiny-arith', parameters: 1000 } }),
  ),
  sample: handler('sample', (req: engineV1.SampleRequest) => ({
    groups: req.groups.map((g, gi) => ({
      completions: Array.from({ length: g.n }, (_, j) => ({
        rolloutId: req.discardRollouts ? '' : `r${gi}-${j}`,
        text: `${gi}:${j}`,
        tokens: 3,
        finishReason:
          j === 0 ? engineV1.FinishReason.FINISH_REASON_LENGTH : engineV1.FinishReason.FINISH_REASON_STOP,
        entropy: 0.25,
        negLogProb: 0.5,
      })),
    })),
    totalTokens: 0,
    promptTokens: 0,
    seconds: 0.125,
  })),
  train: handler('train', (req: engineV1.TrainRequest) => {
    if (req.items.some((i) => i.rolloutId === 'gone')) {
      throw Object.assign(new Error('unknown rollout gone'), {
        code: status.NOT_FOUND,
        details: 'unknown rollout gone',
      });
    }
    return {
      entropy: 0.3,
      entropySampled: 0.4,
      policyLoss: -0.02,
      clipFractionLow: 0.01,
      clipFractionHigh: 0.02,
      clipFractionDual: 0.005,
      approxKl: 0.001,
      kl: 0.07,
      gradNorm: 1.5,
      lr: 3e-4,
      tokens: 42,
      optimizerSteps: 1,
      step: 1,
      seconds: 0.5,
      nonFiniteSteps: 1,
      microBatches: 2,
      lossLogitsBytes: 4096,
      peakMemoryBytes: 0,
    };
  }),
  releaseRollouts: handler('releaseRollouts', (req: engineV1.ReleaseRolloutsRequest) => ({
    released: req.rolloutIds.length,
  })),
  saveCheckpoint: handler('saveCheckpoint', (req: engineV1.SaveCheckpointRequest) => ({
    path: req.path,
    step: 1,
    bytes: 10,
    seconds: 0,
  })),
  loadCheckpoint: handler('loadCheckpoint', () => engineV1.LoadCheckpointResponse.fromPartial({ step: 1 })),
  info: handler('info', () => engineV1.InfoResponse.fromPartial({ engineVersion: '0.1.0' })),
  health: handler('health', () => ({ serving: true, modelLoaded: false })),
};
server.addService(engineV1.PolicyEngineService, impl as unknown as UntypedServiceImplementation);

const socket = join(mkdtempSync(join(tmpdir(), 'engine-client-')), 'engine.sock');
let client: EngineClient;

beforeAll(async () => {
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    ),
  );
  client = EngineClient.connect(`unix://${socket}`);
});

afterAll(async () => {
  client.close();
  await new Promise<void>((r) => server.tryShutdown(() => r()));
});

describe('EngineClient', () => {
  it('maps Sample groups (per-group temperature) and completions', async () => {
    const res = await client.sample({
      groups: [
        { prompt: '1+2=', n: 2, temperature: 1 },
        { prompt: '1+2=', n: 1, temperature: 1.5 },
      ],
      topP: 0.99,
      maxTokens: 8,
      stop: ['\n'],
      seed: 77,
      keepRollouts: true,
    });
    const req = seen.sample!.at(-1) as engineV1.SampleRequest;
    expect(req.seed).toBe(77);
    expect(req.discardRollouts).toBe(false);
    expect(req.groups.map((g) => [g.text, g.n, g.temperature, g.topP, g.maxNewTokens, g.stop])).toEqual([
      ['1+2=', 2, 1, 0.99, 8, ['\n']],
      ['1+2=', 1, 1.5, 0.99, 8, ['\n']],
    ]);
    expect(res.seconds).toBe(0.125);
    expect(res.groups.map((g) => g.length)).toEqual([2, 1]);
    expect(res.groups[0]![0]).toEqual({
      rolloutId: 'r0-0',
      text: '0:0',
      tokens: 3,
      finishReason: 'length',
      entropy: 0.25,
      negLogProb: 0.5,
    });
    expect(res.groups[0]![1]!.finishReason).toBe('stop');
  });

  it('asks the engine to discard validation samples', async () => {
    await client.sample({
      groups: [{ prompt: 'x', n: 1, temperature: 1 }],
      topP: 1,
      maxTokens: 4,
      stop: [],
      seed: 1,
      keepRollouts: false,
    });
    expect((seen.sample!.at(-1) as engineV1.SampleRequest).discardRollouts).toBe(true);
  });

  const loss = {
    clipLow: 0.2,
    clipHigh: 0.28,
    dualClip: 3,
    aggregation: 'seq-mean-token-mean',
    klCoef: 0,
    entropyCoef: 0.03,
    entropyAdvAlpha: 0.4,
    entropyAdvKappa: 2,
    miniBatchSize: 64,
    microBatchSize: 16,
    epochs: 1,
    shuffleSeed: 9,
  } as const;

  it('maps Train loss settings and results', async () => {
    const res = await client.train({ items: [{ rolloutId: 'r0-0', advantage: 1 }], loss });
    const req = seen.train!.at(-1) as engineV1.TrainRequest;
    expect(req.items).toEqual([{ rolloutId: 'r0-0', advantage: 1, tokenAdvantages: [] }]);
    expect(req.loss).toMatchObject({
      clipLow: 0.2,
      clipHigh: 0.28,
      dualClip: 3,
      aggregation: engineV1.LossAggregation.LOSS_AGGREGATION_SEQ_MEAN_TOKEN_MEAN,
      entropyCoef: 0.03,
      entropyAdvAlpha: 0.4,
      entropyAdvKappa: 2,
      miniBatchSize: 64,
      microBatchSize: 16,
      shuffleSeed: 9,
    });
    expect(req.keepRollouts).toBe(false);
    expect(res).toEqual({
      entropy: 0.3,
      entropySampled: 0.4,
      policyLoss: -0.02,
      clipFractionLow: 0.01,
      clipFractionHigh: 0.02,
      clipFractionDual: 0.005,
      approxKl: 0.001,
      kl: 0.07,
      gradNorm: 1.5,
      lr: 3e-4,
      tokens: 42,
      seconds: 0.5,
      nonFiniteSteps: 1,
    });
  });

  it('passes engine errors through with their gRPC code', async () => {
    const err = (await client
      .train({ items: [{ rolloutId: 'gone', advantage: 1 }], loss })
      .catch((e: unknown) => e)) as ServiceError;
    expect(err.code).toBe(status.NOT_FOUND);
    expect(err.details).toBe('unknown rollout gone');
  });

  it('loads with the optimizer settings, releases, checkpoints and checks health', async () => {
    await client.load({
      model: 'builtin:tiny-arith',
      seed: 5,
      lr: 3e-4,
      weightDecay: 0.01,
      gradClip: 1,
      klCoef: 0.1,
      options: {
        precision: '',
        maxTokensPerMicroBatch: 0,
        chatTemplate: false,
        adam: { beta1: 0.8, beta2: 0.99, eps: 1e-7 },
      },
    });
    expect(seen.load!.at(-1)).toMatchObject({
      model: 'builtin:tiny-arith',
      seed: 5,
      klReference: true,
      optimizer: { lr: 3e-4, beta1: 0.8, beta2: 0.99, eps: 1e-7, weightDecay: 0.01, gradClip: 1 },
    });
    await client.release([]);
    expect(seen.releaseRollouts).toBeUndefined();
    await client.release(['a', 'b']);
    expect(seen.releaseRollouts).toEqual([{ rolloutIds: ['a', 'b'] }]);
    expect(await client.saveCheckpoint('/tmp/ck')).toMatchObject({ path: '/tmp/ck' });
    await client.saveCheckpoint('/tmp/ck2', { mergeAdapter: true });
    expect(seen.saveCheckpoint!.map((r) => [r.path, r.mergeAdapter])).toEqual([
      ['/tmp/ck', false],
      ['/tmp/ck2', true],
    ]);
    await client.load({
      model: 'hf:Qwen/Qwen2.5-Math-7B',
      seed: 5,
      lr: 1e-6,
      weightDecay: 0.01,
      gradClip: 1,
      klCoef: 0,
      options: {
        precision: 'bf16-mixed',
        maxTokensPerMicroBatch: 8192,
        chatTemplate: true,
        lora: { rank: 16, alpha: 32, dropout: 0.05, targetModules: ['q_proj'] },
        adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      },
    });
    expect(seen.load!.at(-1)).toMatchObject({
      precision: 'bf16-mixed',
      maxTokensPerMicroBatch: 8192,
      chatTemplate: true,
      lora: { rank: 16, alpha: 32, dropout: 0.05, targetModules: ['q_proj'] },
    });
    expect(seen.load!.at(-1)!.gradientCheckpointing).toBeUndefined();
    await client.loadCheckpoint('/tmp/ck');
    expect(seen.loadCheckpoint).toEqual([{ path: '/tmp/ck' }]);
    expect(await client.health()).toBe(true);
  });

  it('reports an engine that is not there as unhealthy without throwing', async () => {
    const nobody = EngineClient.connect(`unix://${socket}.missing`, { healthTimeoutMs: 300 });
    expect(await nobody.health()).toBe(false);
    nobody.close();
  });
});
