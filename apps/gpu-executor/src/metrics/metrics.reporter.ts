/** Keeps the executor's Prometheus series (registerExecutorMetrics) in step with the job it runs. */
import type { StepRecord } from '@aepo/aepo';
import type { ExecutorMetrics } from './executor-metrics.js';

export class MetricsReporter {
  constructor(readonly metrics: ExecutorMetrics) {
    // No job yet: export no per-job samples rather than zeros a dashboard would plot.
    this.clearJob();
  }

  jobStarted(job: { id: string; model: string; algorithm: string }): void {
    this.clearJob();
    this.metrics.jobInfo.set({ job_id: job.id, model: job.model, algorithm: job.algorithm }, 1);
    this.metrics.leaseHeld.set(1);
  }

  step(r: StepRecord): void {
    const m = this.metrics;
    m.policyEntropy.set(r.entropyFullVocab);
    m.entropyTarget.set(r.target);
    m.entropyTargetLower.set(r.targetLower);
    m.entropyTargetUpper.set(r.targetUpper);
    m.entropyTargetUnreachable.set(r.targetUnreachable ? 1 : 0);
    if (r.temperature !== null) m.samplingTemperature.set(r.temperature);
    m.reinforceSamples.set(r.reinforceSamples);
    if (r.shareScale !== null) m.reinforceShareScale.set(r.shareScale);
    m.entropyCoef.set(r.entropyCoef);
    if (r.controllerError !== null) m.controllerError.set(r.controllerError);
    m.rewardMean.set(r.rewardMean);
    m.accuracy.set(r.accuracy);
    m.responseLengthMean.set(r.responseLengthMean);
    m.stepsTotal.inc();
    m.lastStepTimestampSeconds.set(Date.now() / 1000);
    m.stepPhaseDurationSeconds.observe({ phase: 'sample' }, r.timings.sample);
    m.stepPhaseDurationSeconds.observe({ phase: 'reward' }, r.timings.reward);
    m.stepPhaseDurationSeconds.observe({ phase: 'train' }, r.timings.train);
    m.generatedTokensTotal.inc(r.generatedTokens);
    m.trainedTokensTotal.inc(r.trainedTokens);
  }

  checkpoint(seconds: number): void {
    this.metrics.stepPhaseDurationSeconds.observe({ phase: 'checkpoint' }, seconds);
  }

  engineRestarted(): void {
    this.metrics.engineRestartsTotal.inc();
  }

  /** The job ended or was handed back: its series go away (counters keep counting across jobs). */
  jobEnded(): void {
    this.clearJob();
    this.metrics.leaseHeld.set(0);
  }

  /** Drops the per-job samples (an unlabelled gauge's remove() deletes its sample; set() restores it). */
  private clearJob(): void {
    const m = this.metrics;
    m.jobInfo.reset();
    for (const g of [
      m.policyEntropy,
      m.entropyTarget,
      m.entropyTargetLower,
      m.entropyTargetUpper,
      m.entropyTargetUnreachable,
      m.samplingTemperature,
      m.reinforceSamples,
      m.reinforceShareScale,
      m.entropyCoef,
      m.controllerError,
      m.rewardMean,
      m.accuracy,
      m.responseLengthMean,
    ]) {
      g.remove();
    }
  }
}
