import { Precision, type JobSpec } from '@aepo/contracts';

// The defaults table and its application live with the contract (libs/contracts/src/spec-defaults.ts,
// spec-resolve.ts): the API applies them once, at CreateJob.
export {
  SPEC_DEFAULTS,
  applySpecDefaults,
  defaultReinforceCount,
  entropyTargetWithDefaults,
  mlflowWithDefaults,
  modelWithDefaults,
  type DeploymentDefaults,
} from '@aepo/contracts';

/** The CREATED event's message, with a warning for settings that are allowed but usually wrong. */
export function createdMessage(spec: JobSpec): string {
  if (spec.model?.precision === Precision.PRECISION_BF16_PURE) {
    return (
      'job created; warning: model.precision BF16_PURE trains bf16 weights without an fp32 master copy, ' +
      'so updates smaller than ~1/256 of a weight round away (at learning rate 1e-6 most do); ' +
      'BF16_MIXED (the GPU default) learns at the same speed'
    );
  }
  return 'job created';
}
