-- Webhooks (issue 17, item 3): per-project endpoints and an outbox of deliveries.
--
-- The outbox rows are written by triggers on job_events and evaluation_records, so they are part of
-- the very transaction that records the event, wherever in the code that happens: the event and its
-- deliveries commit together or not at all, and an API restart loses none of them.

CREATE TABLE webhook_endpoints (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  url text NOT NULL,
  event_types text[] NOT NULL,
  -- `whsec_` + base64 of the HMAC key. Kept in clear: every delivery is signed with it.
  secret text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  description text NOT NULL DEFAULT '',
  create_time timestamptz(3) NOT NULL DEFAULT now(),
  update_time timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX ix_webhook_endpoints_project ON webhook_endpoints (project_id, create_time DESC, id DESC);

-- One row per (event, endpoint): the outbox and the delivery log at once.
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  project_id uuid NOT NULL,
  job_id uuid NOT NULL,
  event_type text NOT NULL,
  -- The exact request body, fixed when the event is recorded (every attempt sends the same bytes).
  payload text NOT NULL,
  state text NOT NULL DEFAULT 'PENDING',
  attempt_count integer NOT NULL DEFAULT 0,
  last_status_code integer NOT NULL DEFAULT 0,
  last_error text NOT NULL DEFAULT '',
  next_attempt_time timestamptz NOT NULL DEFAULT now(),
  last_attempt_time timestamptz,
  delivered_time timestamptz,
  -- Start of the current retry budget (queued, or last redelivered): the max-age limit counts from it.
  retry_window_start timestamptz NOT NULL DEFAULT now(),
  -- Set by the replica sending it; its result is stored only while the claim is still its own.
  claim_id uuid,
  create_time timestamptz(3) NOT NULL DEFAULT now(),
  CONSTRAINT ck_webhook_deliveries_state CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED'))
);
CREATE INDEX ix_webhook_deliveries_due ON webhook_deliveries (next_attempt_time) WHERE state = 'PENDING';
CREATE INDEX ix_webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, create_time DESC, id DESC);
CREATE INDEX ix_webhook_deliveries_project ON webhook_deliveries (project_id, create_time DESC, id DESC);

-- Queues one delivery of an event for every enabled endpoint of the job's project subscribed to its
-- type, and wakes the delivery workers (the notification arrives after the commit).
CREATE FUNCTION webhook_enqueue(p_job_id uuid, p_type text, p_time timestamptz, p_data jsonb)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  queued integer;
BEGIN
  INSERT INTO webhook_deliveries (id, endpoint_id, project_id, job_id, event_type, payload)
  SELECT gen_random_uuid(), e.id, e.project_id, p_job_id, p_type,
    jsonb_build_object(
      'type', p_type,
      'timestamp', to_char(p_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'data', p_data
    )::text
  FROM webhook_endpoints e JOIN jobs j ON j.project_id = e.project_id
  WHERE j.id = p_job_id AND e.enabled AND p_type = ANY (e.event_types);
  GET DIAGNOSTICS queued = ROW_COUNT;
  IF queued > 0 THEN
    PERFORM pg_notify('aepo_webhook', '');
  END IF;
END $$;

-- Job events: creation and state changes, checkpoints, target out of reach.
CREATE FUNCTION webhook_job_event() RETURNS trigger LANGUAGE plpgsql AS $$
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
    'jobId', NEW.job_id,
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
        'id', c.id, 'step', c.step, 'uri', c.uri, 'entropy', c.entropy, 'inBand', c.in_band,
        'rewardMean', c.reward_mean, 'validationAccuracy', c.validation_accuracy, 'sizeBytes', c.size_bytes
      ))
      FROM checkpoints c WHERE c.job_id = NEW.job_id ORDER BY c.create_time DESC, c.step DESC LIMIT 1
    ));
  END IF;
  PERFORM webhook_enqueue(NEW.job_id, event_type, NEW.create_time, data);
  RETURN NULL;
END $$;

CREATE TRIGGER tg_job_events_webhook AFTER INSERT ON job_events
  FOR EACH ROW EXECUTE FUNCTION webhook_job_event();

-- Validation records.
CREATE FUNCTION webhook_evaluation_record() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM webhook_enqueue(NEW.job_id, 'job.evaluation_recorded', NEW.create_time, jsonb_build_object(
    'jobId', NEW.job_id, 'step', NEW.step, 'attempt', NEW.attempt, 'record', NEW.record
  ));
  RETURN NULL;
END $$;

CREATE TRIGGER tg_evaluation_records_webhook AFTER INSERT ON evaluation_records
  FOR EACH ROW EXECUTE FUNCTION webhook_evaluation_record();
