-- Initial schema of the Job API. Applied once, in one transaction, by apps/api's migration runner.
CREATE TABLE projects (
  id uuid PRIMARY KEY,
  display_name text NOT NULL,
  create_time timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX ix_projects_create_time ON projects (create_time, id);

CREATE TABLE api_keys (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  display_name text NOT NULL DEFAULT '',
  prefix text NOT NULL,
  key_hash text NOT NULL,
  create_time timestamptz(3) NOT NULL DEFAULT now(),
  revoke_time timestamptz
);
CREATE UNIQUE INDEX ux_api_keys_key_hash ON api_keys (key_hash);
CREATE INDEX ix_api_keys_project ON api_keys (project_id);

CREATE TABLE datasets (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  display_name text NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  row_count bigint NOT NULL,
  size_bytes bigint NOT NULL,
  sha256 text NOT NULL,
  request_id text,
  create_time timestamptz(3) NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ux_datasets_request ON datasets (project_id, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX ix_datasets_project_time ON datasets (project_id, create_time DESC, id DESC);

CREATE TABLE dataset_rows (
  dataset_id uuid NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
  idx integer NOT NULL,
  prompt text NOT NULL,
  answer text NOT NULL,
  row_id text NOT NULL DEFAULT '',
  PRIMARY KEY (dataset_id, idx)
);

CREATE TABLE jobs (
  id uuid PRIMARY KEY,
  project_id uuid NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
  display_name text NOT NULL DEFAULT '',
  request_id text,
  spec jsonb NOT NULL,
  labels jsonb NOT NULL DEFAULT '{}',
  base_model text NOT NULL,
  -- No foreign keys to datasets: a finished job keeps naming a dataset deleted later. DeleteDataset
  -- refuses while a live job uses it (checked under a row lock that CreateJob also takes).
  training_dataset_id uuid NOT NULL,
  validation_dataset_id uuid,
  state text NOT NULL,
  create_time timestamptz(3) NOT NULL DEFAULT now(),
  start_time timestamptz,
  end_time timestamptz,
  update_time timestamptz NOT NULL DEFAULT now(),
  error jsonb,
  attempt integer NOT NULL DEFAULT 0,
  lease_expirations integer NOT NULL DEFAULT 0,
  leased_by text,
  lease_expire_time timestamptz,
  current_step bigint NOT NULL DEFAULT 0,
  latest_step jsonb,
  cancel_requested boolean NOT NULL DEFAULT false,
  pause_requested boolean NOT NULL DEFAULT false,
  entropy_target jsonb,
  entropy_target_revision bigint NOT NULL DEFAULT 0,
  best_checkpoint_id uuid,
  event_seq bigint NOT NULL DEFAULT 0,
  target_unreachable boolean NOT NULL DEFAULT false,
  CONSTRAINT ck_jobs_state CHECK (state IN ('QUEUED', 'RUNNING', 'PAUSED', 'SUCCEEDED', 'FAILED', 'CANCELLED'))
);
CREATE UNIQUE INDEX ux_jobs_request ON jobs (project_id, request_id) WHERE request_id IS NOT NULL;
CREATE INDEX ix_jobs_project_time ON jobs (project_id, create_time DESC, id DESC);
CREATE INDEX ix_jobs_queue ON jobs (create_time, id) WHERE state = 'QUEUED';
CREATE INDEX ix_jobs_lease_expiry ON jobs (lease_expire_time) WHERE state = 'RUNNING';
CREATE INDEX ix_jobs_labels ON jobs USING gin (labels jsonb_path_ops);
CREATE INDEX ix_jobs_training_dataset ON jobs (training_dataset_id);
CREATE INDEX ix_jobs_validation_dataset ON jobs (validation_dataset_id);

CREATE TABLE job_events (
  job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  sequence bigint NOT NULL,
  create_time timestamptz(3) NOT NULL DEFAULT now(),
  type text NOT NULL,
  from_state text,
  to_state text,
  attempt integer NOT NULL DEFAULT 0,
  message text NOT NULL DEFAULT '',
  entropy_target_revision bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (job_id, sequence)
);

CREATE TABLE step_records (
  job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  step bigint NOT NULL,
  attempt integer NOT NULL,
  create_time timestamptz(3) NOT NULL DEFAULT now(),
  record jsonb NOT NULL,
  PRIMARY KEY (job_id, step)
);

CREATE TABLE evaluation_records (
  job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  step bigint NOT NULL,
  attempt integer NOT NULL,
  create_time timestamptz(3) NOT NULL DEFAULT now(),
  record jsonb NOT NULL,
  PRIMARY KEY (job_id, step)
);

CREATE TABLE checkpoints (
  id uuid PRIMARY KEY,
  job_id uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  step bigint NOT NULL,
  attempt integer NOT NULL,
  create_time timestamptz(3) NOT NULL DEFAULT now(),
  uri text NOT NULL,
  entropy double precision NOT NULL,
  in_band boolean NOT NULL,
  reward_mean double precision NOT NULL,
  validation_accuracy double precision,
  size_bytes bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX ux_checkpoints_job_step ON checkpoints (job_id, step);
