-- Issue 13 [One spec]: JobSpec.optimization gained adam_beta1, adam_beta2 and adam_eps (the API
-- stores them; defaults in libs/contracts/src/spec-defaults.ts), and the executor no longer defaults
-- a missing spec value. A job stored before gets the values its engine used then (AdamW's 0.9,
-- 0.999, 1e-8), so it still runs; values already present are kept.
UPDATE jobs
SET spec = jsonb_set(
  spec,
  '{optimization}',
  jsonb_build_object('adamBeta1', 0.9, 'adamBeta2', 0.999, 'adamEps', 1e-8) || (spec -> 'optimization')
)
WHERE spec ? 'optimization' AND NOT (spec -> 'optimization' ? 'adamEps');
