export * from './advantages.js';
export * from './config.js';
export * from './config-validation.js';
export * from './controller.js';
export * from './entropy-coef.js';
export * from './entropy-trend.js';
export * from './evaluation.js';
export * from './ports.js';
export * from './records.js';
export * from './reach.js';
export * from './reinforce.js';
export * from './retarget.js';
export * from './rng.js';
export * from './sampler.js';
export * from './schedule.js';
export * from './trainer.js';
// The loss settings of a step's Train: the executor's field-by-field engine test sends them as is.
export { lossSettings } from './trainer-batch.js';
