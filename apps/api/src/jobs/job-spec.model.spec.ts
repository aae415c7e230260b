/** JobSpec.model (precision, token budget, LoRA adapter, chat template): validation and defaults. */
import { Algorithm, JobSpec, Precision } from '@aepo/contracts';
import { describe, expect, it } from 'vitest';
import { applySpecDefaults, createdMessage } from './job-spec.defaults.js';
import { validateJobSpec } from './job-spec.validator.js';

const MODELS = ['builtin:tiny-arith'];

function spec(model: JobSpec['model']): JobSpec {
  return JobSpec.fromPartial({
    baseModel: 'builtin:tiny-arith',
    trainingDataset: 'projects/p/datasets/00000000-0000-4000-8000-000000000001',
    algorithm: Algorithm.ALGORITHM_GRPO,
    model,
  });
}

const fields = (s: JobSpec) => validateJobSpec(s, MODELS).list.map((v) => v.field);

describe('JobSpec.model', () => {
  it('accepts a full LoRA bf16-mixed configuration and an unset one', () => {
    expect(fields(spec(undefined))).toEqual([]);
    expect(
      fields(
        spec({
          precision: Precision.PRECISION_BF16_MIXED,
          maxTokensPerMicroBatch: 16384,
          gradientCheckpointing: true,
          chatTemplate: true,
          adapter: {
            rank: 16,
            alpha: 32,
            dropout: 0.05,
            targetModules: ['q_proj', 'v_proj'],
            exportMerged: true,
          },
        }),
      ),
    ).toEqual([]);
  });

  it('names every bad field', () => {
    const bad = spec({
      precision: 'UNRECOGNIZED' as unknown as Precision,
      maxTokensPerMicroBatch: 100,
      adapter: { rank: 0, alpha: -1, dropout: 1, targetModules: ['ok', 'no spaces'] },
    });
    expect(fields(bad)).toEqual([
      'spec.model.precision',
      'spec.model.max_tokens_per_micro_batch',
      'spec.model.adapter.rank',
      'spec.model.adapter.alpha',
      'spec.model.adapter.dropout',
      'spec.model.adapter.target_modules[1]',
    ]);
  });

  it('fills the defaults: engine-chosen precision and budget, alpha = 2 x rank', () => {
    const stored = applySpecDefaults(
      spec({ precision: Precision.PRECISION_UNSPECIFIED, adapter: { rank: 8, targetModules: [] } }),
      () => 1,
    );
    expect(stored.model).toEqual({
      precision: Precision.PRECISION_UNSPECIFIED,
      maxTokensPerMicroBatch: 0,
      chatTemplate: false,
      adapter: { rank: 8, alpha: 16, dropout: 0, targetModules: [], exportMerged: false },
    });
    expect(applySpecDefaults(spec(undefined), () => 1).model).toEqual({
      precision: Precision.PRECISION_UNSPECIFIED,
      maxTokensPerMicroBatch: 0,
      chatTemplate: false,
    });
  });

  it('warns in the CREATED event when bf16-pure is asked for', () => {
    expect(createdMessage(spec({ precision: Precision.PRECISION_BF16_PURE }))).toMatch(
      /warning: model.precision BF16_PURE.*round away/,
    );
    expect(createdMessage(spec({ precision: Precision.PRECISION_BF16_MIXED }))).toBe('job created');
  });
});
