// Public entry of @aepo/contracts: the generated stubs (libs/contracts/src/gen, DO NOT EDIT) plus a few
// hand-written helpers. Every generated file exports the same ts-proto helper names; the explicit
// re-export below resolves that ambiguity once.
export {
  protobufPackage,
  protobufFileName,
  type DeepPartial,
  type Exact,
  type MessageFns,
} from './gen/aepo/v1/job.js';
export * from './gen/aepo/v1/admin_service.js';
export * from './gen/aepo/v1/dataset.js';
export * from './gen/aepo/v1/fine_tuning_service.js';
export * from './gen/aepo/v1/job.js';
export * from './gen/aepo/v1/job_state.js';
export * from './gen/aepo/v1/model.js';
export * from './gen/aepo/v1/project.js';
export * from './gen/aepo/v1/record.js';
export * from './gen/aepo/v1/webhook_service.js';
export * as executorV1 from './gen/aepo/executor/v1/executor_service.js';
export * as engineV1 from './gen/aepo/engine/v1/engine.js';
export * from './gen/google/rpc/status.js';
export * from './gen/google/rpc/error_details.js';
export * from './status-details.js';
export * from './proto-paths.js';
export * from './spec-defaults.js';
export * from './spec-resolve.js';
export * from './spec-walk.js';
export { jobSpecDescriptorSet } from './gen/descriptors/job_spec.js';
export * from './resource-names.js';
