-- Issue 13 [One spec], AIP-122 resource names: JobSpec.training_dataset_id / validation_dataset_id
-- became training_dataset / validation_dataset, holding dataset names
-- (`projects/{project}/datasets/{dataset}`). The stored spec is what GetJob returns, so the specs of
-- jobs stored before are rewritten to the names of the datasets their columns hold (the columns stay:
-- the executor protocol reads them). Job.best_checkpoint_id became best_checkpoint, a checkpoint name
-- (`.../checkpoints/{step}`): the job row keeps the best checkpoint's step beside its id.
UPDATE jobs
SET spec = (spec - 'trainingDatasetId' - 'validationDatasetId')
  || jsonb_build_object('trainingDataset', 'projects/' || project_id || '/datasets/' || training_dataset_id)
  || CASE
    WHEN validation_dataset_id IS NULL THEN '{}'::jsonb
    ELSE jsonb_build_object('validationDataset', 'projects/' || project_id || '/datasets/' || validation_dataset_id)
  END
WHERE spec ? 'trainingDatasetId' OR spec ? 'validationDatasetId';

ALTER TABLE jobs ADD COLUMN best_checkpoint_step bigint;

UPDATE jobs j SET best_checkpoint_step = c.step FROM checkpoints c WHERE c.id = j.best_checkpoint_id;

-- Webhook payloads name the job (`data.job`, `projects/{project}/jobs/{job}`) where they carried
-- `data.jobId`, and a saved checkpoint by its name (`data.checkpoint.name`) where they carried its id,
-- as the API's JobEvent.job and Checkpoint.name do. Deliveries already queued keep their body.
CREATE OR REPLACE FUNCTION webhook_enqueue(p_job_id uuid, p_type text, p_time timestamptz, p_data jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  queued integer;
BEGIN
  INSERT INTO webhook_deliveries (id, endpoint_id, project_id, job_id, event_type, payload)
  SELECT gen_random_uuid(), e.id, e.project_id, p_job_id, p_type,
    jsonb_build_object(
      'type', p_type,
      'timestamp', to_char(p_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'data', jsonb_build_object('job', 'projects/' || j.project_id || '/jobs/' || j.id) || p_data
    )::text
  FROM webhook_endpoints e JOIN jobs j ON j.project_id = e.project_id
  WHERE j.id = p_job_id AND e.enabled AND p_type = ANY (e.event_types);
  GET DIAGNOSTICS queued = ROW_COUNT;
  IF queued > 0 THEN
    PERFORM pg_notify('aepo_webhook', '');
  END IF;
END $$;

CREATE OR REPLACE FUNCTION webhook_job_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  event_type text;
  data jsonb;
BEGIN
  event_type := CASE NEW.type
    WHEN 'CREATED' THEN 'job.state_changed'
    WHEN 'STATE_CHANGED' THEN 'job.state_changed'
    WHEN 'CHECKPOINT_SAVED' THEN 'job.checkpoint_saved'
    WHEN 'TARGET_UNREACHABLE' THEN 'job.target_unreachable'
  END;
  -- Most events go nowhere: skip building the payload when no endpoint wants this one.
  IF event_type IS NULL OR NOT EXISTS (
    SELECT 1 FROM webhook_endpoints e JOIN jobs j ON j.project_id = e.project_id
    WHERE j.id = NEW.job_id AND e.enabled AND event_type = ANY (e.event_types)
  ) THEN
    RETURN NULL;
  END IF;
  data := jsonb_strip_nulls(jsonb_build_object(
    'sequence', NEW.sequence,
    'attempt', NEW.attempt,
    'message', NEW.message,
    'fromState', 'JOB_STATE_' || NEW.from_state,
    'toState', 'JOB_STATE_' || NEW.to_state
  ));
  IF NEW.type = 'CHECKPOINT_SAVED' THEN
    -- The checkpoint row is inserted just before its event, in the same transaction.
    data := data || jsonb_build_object('checkpoint', (
      SELECT jsonb_strip_nulls(jsonb_build_object(
        'name', 'projects/' || j.project_id || '/jobs/' || c.job_id || '/checkpoints/' || c.step,
        'step', c.step, 'uri', c.uri, 'entropy', c.entropy, 'inBand', c.in_band,
        'rewardMean', c.reward_mean, 'validationAccuracy', c.validation_accuracy, 'sizeBytes', c.size_bytes
      ))
      FROM checkpoints c JOIN jobs j ON j.id = c.job_id
      WHERE c.job_id = NEW.job_id ORDER BY c.create_time DESC, c.step DESC LIMIT 1
    ));
  END IF;
  PERFORM webhook_enqueue(NEW.job_id, event_type, NEW.create_time, data);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION webhook_evaluation_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_enqueue(NEW.job_id, 'job.evaluation_recorded', NEW.create_time, jsonb_build_object(
    'step', NEW.step, 'attempt', NEW.attempt, 'record', NEW.record
  ));
  RETURN NULL;
END $$;
