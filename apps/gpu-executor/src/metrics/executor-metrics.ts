import { collectDefaultMetrics, Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Phases of one training step, the `phase` label of the step duration histogram. */
export const STEP_PHASES = ['sample', 'reward', 'train', 'checkpoint'] as const;
export type StepPhase = (typeof STEP_PHASES)[number];

/**
 * Buckets of the step phase histogram, 0.01 s .. 30 min (docs/metrics.md): a tiny CPU model samples in
 * tens of milliseconds, a 7B model's checkpoint on a slow volume takes tens of minutes.
 */
export const STEP_PHASE_BUCKETS_SECONDS = [
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800,
] as const;

/** Every executor metric of docs/metrics.md, typed by its labels. */
export interface ExecutorMetrics {
  jobInfo: Gauge<'job_id' | 'model' | 'algorithm'>;
  leaseHeld: Gauge;
  policyEntropy: Gauge;
  entropyTarget: Gauge;
  entropyTargetLower: Gauge;
  entropyTargetUpper: Gauge;
  entropyTargetUnreachable: Gauge;
  samplingTemperature: Gauge;
  reinforceSamples: Gauge;
  reinforceShareScale: Gauge;
  entropyCoef: Gauge;
  controllerError: Gauge;
  rewardMean: Gauge;
  accuracy: Gauge;
  responseLengthMean: Gauge;
  stepsTotal: Counter;
  lastStepTimestampSeconds: Gauge;
  stepPhaseDurationSeconds: Histogram<'phase'>;
  generatedTokensTotal: Counter;
  trainedTokensTotal: Counter;
  engineRestartsTotal: Counter;
}

/**
 * Registers the executor's metrics (names fixed by docs/metrics.md) and prom-client's default process
 * metrics on `registry`. The dashboard and alert rules in deploy/ use exactly these names, which
 * test/deploy-metrics.spec.ts checks against this registry.
 */
export function registerExecutorMetrics(registry: Registry): ExecutorMetrics {
  const registers = [registry];
  const gauge = (name: string, help: string) => new Gauge({ name, help, registers });
  const counter = (name: string, help: string) => new Counter({ name, help, registers });

  collectDefaultMetrics({ register: registry });

  return {
    jobInfo: new Gauge({
      name: 'aepo_executor_job_info',
      help: 'The job this executor is running (value 1)',
      labelNames: ['job_id', 'model', 'algorithm'] as const,
      registers,
    }),
    leaseHeld: gauge('aepo_executor_lease_held', '1 while the executor holds a lease'),
    policyEntropy: gauge(
      'aepo_executor_policy_entropy',
      'Policy entropy at the last step (full vocabulary, nats/token)',
    ),
    entropyTarget: gauge('aepo_executor_entropy_target', 'Entropy target H* at the last step'),
    entropyTargetLower: gauge(
      'aepo_executor_entropy_target_lower',
      'Lower edge of the entropy tolerance band',
    ),
    entropyTargetUpper: gauge(
      'aepo_executor_entropy_target_upper',
      'Upper edge of the entropy tolerance band',
    ),
    entropyTargetUnreachable: gauge(
      'aepo_executor_entropy_target_unreachable',
      '1 while the trainer reports the entropy target out of reach',
    ),
    samplingTemperature: gauge(
      'aepo_executor_sampling_temperature',
      'Temperature chosen by the controller for the REINFORCE samples',
    ),
    reinforceSamples: gauge('aepo_executor_reinforce_samples', 'REINFORCE samples mixed into the last batch'),
    reinforceShareScale: gauge(
      'aepo_executor_reinforce_share_scale',
      'Multiplier on the REINFORCE share chosen by the controller, in [0, 1]',
    ),
    entropyCoef: gauge(
      'aepo_executor_entropy_coef',
      "Coefficient of the loss's entropy term (the dual controller's second actuator, signed)",
    ),
    controllerError: gauge(
      'aepo_executor_controller_error',
      'Relative tracking error (H* - H) / H* the controller acted on',
    ),
    rewardMean: gauge('aepo_executor_reward_mean', "Mean reward of the last step's on-policy samples"),
    accuracy: gauge('aepo_executor_accuracy', 'Fraction of correct on-policy samples at the last step'),
    responseLengthMean: gauge('aepo_executor_response_length_mean', 'Mean response length in tokens'),
    stepsTotal: counter('aepo_executor_steps_total', 'Training steps completed'),
    lastStepTimestampSeconds: gauge(
      'aepo_executor_last_step_timestamp_seconds',
      'Unix time of the last completed step',
    ),
    stepPhaseDurationSeconds: new Histogram({
      name: 'aepo_executor_step_phase_duration_seconds',
      help: 'Time per phase of a training step',
      labelNames: ['phase'] as const,
      buckets: [...STEP_PHASE_BUCKETS_SECONDS],
      registers,
    }),
    generatedTokensTotal: counter('aepo_executor_generated_tokens_total', 'Tokens sampled'),
    trainedTokensTotal: counter('aepo_executor_trained_tokens_total', 'Tokens trained on'),
    engineRestartsTotal: counter(
      'aepo_executor_engine_restarts_total',
      'Times the Python engine was restarted',
    ),
  };
}
