-- History that tells the truth (issue: hardening).
-- Every stored step/evaluation record gets a revision from one sequence, in write order: a live stream
-- follows revisions, so records re-trained after a rewind to a checkpoint (which replace the removed
-- ones) reach it again.
CREATE SEQUENCE record_revision_seq;
ALTER TABLE step_records ADD COLUMN revision bigint NOT NULL DEFAULT nextval('record_revision_seq');
ALTER TABLE evaluation_records ADD COLUMN revision bigint NOT NULL DEFAULT nextval('record_revision_seq');
CREATE INDEX ix_step_records_revision ON step_records (job_id, revision);
CREATE INDEX ix_evaluation_records_revision ON evaluation_records (job_id, revision);
-- When the executor's keep_last pruning removed the checkpoint's files (the row stays, for history).
ALTER TABLE checkpoints ADD COLUMN delete_time timestamptz;
