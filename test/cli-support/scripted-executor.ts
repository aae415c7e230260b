import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { executorV1, jobIdOf, type StepRecord } from '@aepo/contracts';

type Unary<Req, Res> = (req: Req, md: Metadata, cb: (err: ServiceError | null, res: Res) => void) => unknown;

/**
 * Plays an executor over the real ExecutorService protocol, so CLI tests get jobs with recorded
 * steps and checkpoints without training a model (the CLI under test only reads them back).
 */
export class ScriptedExecutor {
  private readonly md = new Metadata();

  constructor(
    private readonly client: executorV1.ExecutorServiceClient,
    token: string,
    private readonly executorId = 'cli-test-executor',
  ) {
    this.md.set('authorization', `Bearer ${token}`);
  }

  private call<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
      method.call(this.client, req, this.md, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  /** Leases the next queued job (the API hands them out oldest first). */
  async lease(models: string[] = []): Promise<{ jobId: string; attempt: number }> {
    const res = await this.call<executorV1.LeaseJobRequest, executorV1.LeaseJobResponse>(
      this.client.leaseJob,
      {
        executorId: this.executorId,
        waitSeconds: 5,
        models,
      },
    );
    if (!res.lease?.job) throw new Error('no job to lease');
    // The executor protocol keys on the bare job id; the leased Job carries its name.
    return { jobId: jobIdOf(res.lease.job.name), attempt: res.lease.attempt };
  }

  heartbeat(jobId: string, attempt: number, steps: StepRecord[]) {
    return this.call(this.client.heartbeat, { jobId, attempt, steps, evaluations: [], rewindReason: '' });
  }

  checkpoint(
    jobId: string,
    attempt: number,
    step: number,
    entropy: number,
    inBand: boolean,
    rewardMean: number,
  ) {
    return this.call(this.client.reportCheckpoint, {
      jobId,
      attempt,
      step,
      uri: `file:///tmp/ckpt/${jobId}/step-${step}`,
      entropy,
      inBand,
      rewardMean,
      sizeBytes: 1234,
    });
  }

  complete(jobId: string, attempt: number, outcome: executorV1.Outcome) {
    return this.call(this.client.completeJob, { jobId, attempt, outcome, steps: [], evaluations: [] });
  }
}

/** A plausible step record whose numbers depend on the step (so a test can tell steps apart). */
export function fakeStep(step: number, target = 0.5, tolerance = 0.05): StepRecord {
  const entropy = target + 0.2 * Math.cos(step / 2) * Math.exp(-step / 6);
  return {
    step,
    nonFiniteUpdates: 0,
    controllerError: 0,
    reinforceShareScale: 1,
    entropyCoef: 0,
    entropyClosing: false,
    unreachableReason: '',
    attempt: 0,
    entropy,
    entropySampled: entropy * 0.9,
    entropyTarget: target,
    entropyTargetLower: target - tolerance,
    entropyTargetUpper: target + tolerance,
    temperature: entropy < target ? 1.2 : 0.8,
    reinforceCount: step % 4,
    reinforceCandidates: step % 5,
    rewardMean: Math.min(1, 0.1 * step),
    rewardStd: 0.2,
    accuracy: Math.min(1, 0.08 * step),
    zeroVarianceGroupFraction: 0.25,
    responseLengthMean: 3 + (step % 3),
    loss: 0.01 * step,
    clipFraction: 0.01,
    dualClipFraction: 0,
    kl: 0,
    approxKl: 0,
    gradNorm: 0.5,
    generatedTokens: 100 + step,
    trainedTokens: 90 + step,
    sampleSeconds: 0.2,
    rewardSeconds: 0.01,
    trainSeconds: 0.1,
    checkpointSeconds: 0,
    stepSeconds: 0.31 + step / 100,
    targetUnreachable: false,
    learningRate: 1e-3,
  };
}
