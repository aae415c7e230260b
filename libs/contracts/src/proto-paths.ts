import { fileURLToPath } from 'node:url';

/** Absolute path of the repository's `proto/` folder (the buf module root), for proto-loader. */
export const PROTO_ROOT = fileURLToPath(new URL('../../../proto/', import.meta.url));

/** Proto files of the public API (package aepo.v1), relative to PROTO_ROOT. */
export const PUBLIC_API_PROTO_FILES = [
  'aepo/v1/fine_tuning_service.proto',
  'aepo/v1/admin_service.proto',
  'aepo/v1/webhook_service.proto',
];

/** Proto files of the executor protocol (package aepo.executor.v1), relative to PROTO_ROOT. */
export const EXECUTOR_PROTO_FILES = ['aepo/executor/v1/executor_service.proto'];
