import { datasetName, WILDCARD_ID, type JobSpec } from '@aepo/contracts';
import { ApiError, ApiErrorCode } from '../common/api-error.js';
import { parseNameField } from '../common/resource-name.js';

/** The datasets a job spec names, as ids, with the field each came from. */
export interface SpecDatasets {
  /** The spec as stored: dataset names with `projects/-` replaced by the caller's project. */
  spec: JobSpec;
  trainingId: string;
  /** Null when the job has no validation dataset. */
  validationId: string | null;
}

const TRAINING_FIELD = 'spec.training_dataset';
const VALIDATION_FIELD = 'spec.validation_dataset';

/**
 * Resolves the dataset names of a validated spec in the caller's project. A dataset of another
 * project answers NOT_FOUND naming its field, exactly as a dataset that does not exist.
 */
export function resolveSpecDatasets(projectId: string, spec: JobSpec): SpecDatasets {
  const missing: { field: string; name: string }[] = [];
  const resolve = (field: string, name: string): string => {
    const [project, id] = parseNameField('dataset', name, field) as [string, string];
    if (project !== WILDCARD_ID && project !== projectId) missing.push({ field, name });
    return id;
  };
  const trainingId = resolve(TRAINING_FIELD, spec.trainingDataset);
  const validationId =
    spec.validationDataset === '' ? null : resolve(VALIDATION_FIELD, spec.validationDataset);
  if (missing.length > 0) throw datasetsNotFound(missing);
  return {
    spec: {
      ...spec,
      trainingDataset: datasetName(projectId, trainingId),
      validationDataset: validationId === null ? '' : datasetName(projectId, validationId),
    },
    trainingId,
    validationId,
  };
}

/** NOT_FOUND for the datasets among `ids` that the job's insert did not find. */
export function missingDatasetsError(projectId: string, datasets: SpecDatasets, ids: string[]): ApiError {
  return datasetsNotFound(
    ids.map((id) => ({
      field: id === datasets.trainingId ? TRAINING_FIELD : VALIDATION_FIELD,
      name: datasetName(projectId, id),
    })),
  );
}

function datasetsNotFound(missing: { field: string; name: string }[]): ApiError {
  return new ApiError(
    ApiErrorCode.NOT_FOUND,
    `dataset ${missing.map((m) => m.name).join(', ')} not found`,
    missing.map(({ field, name }) => ({ field, description: `dataset ${name} not found` })),
  );
}
