-- MLflow tracking (apps/api/src/mlflow): how far each tracked job has been sent to its MLflow run, so an
-- API restart continues where it stopped, and a claim so that several API replicas share the work
-- without sending a record twice.
CREATE TABLE mlflow_runs (
  job_id uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
  tracking_uri text NOT NULL,
  experiment_id text,
  run_id text,
  -- Whether the resolved spec has been logged as the run's params.
  params_logged boolean NOT NULL DEFAULT false,
  -- Cursors: the highest step_records/evaluation_records revision and job_events sequence sent.
  step_revision bigint NOT NULL DEFAULT 0,
  eval_revision bigint NOT NULL DEFAULT 0,
  event_sequence bigint NOT NULL DEFAULT 0,
  -- The MLflow status the run was ended with (FINISHED, FAILED, KILLED); NULL while it runs.
  run_status text,
  -- The registered model version created for a succeeded job.
  model_version text,
  -- Nothing left to send (the run ended and, on success, the model was registered).
  done boolean NOT NULL DEFAULT false,
  -- Retries: consecutive failures, the start of the current outage (its event is appended once), when
  -- to try again, and the last error.
  failures integer NOT NULL DEFAULT 0,
  outage_since timestamptz,
  next_attempt_time timestamptz NOT NULL DEFAULT now(),
  last_error text,
  -- The replica syncing the job now, until claim_expire_time (a crashed replica's claim lapses).
  claim_token uuid,
  claim_expire_time timestamptz,
  update_time timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ix_mlflow_runs_due ON mlflow_runs (next_attempt_time) WHERE NOT done;
-- Jobs whose stored spec names a tracking server (the tracker's discovery).
CREATE INDEX ix_jobs_mlflow ON jobs (create_time) WHERE spec ? 'mlflow';
