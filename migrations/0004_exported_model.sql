-- Where a succeeded job's exported model lies in the object store (Job.exported_model_uri), written by
-- CompleteJob once the executor has uploaded its files and manifest. NULL: none (no object store, or
-- the job did not succeed).
ALTER TABLE jobs ADD COLUMN exported_model_uri text;
