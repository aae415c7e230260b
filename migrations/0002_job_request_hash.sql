-- Idempotent CreateJob compares a retried request with the first one: the SHA-256 of the canonical
-- request (spec and display_name as sent, map keys sorted). NULL for jobs created before this column
-- existed; a retry of those still returns the job, as before.
ALTER TABLE jobs ADD COLUMN request_hash text;
