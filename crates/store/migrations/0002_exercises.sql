-- Exercise separation: records and journal entries made inside a live exercise carry the
-- exercise's id; real lists, feeds and the activity log select exercise_id IS NULL.
ALTER TABLE records ADD COLUMN exercise_id BIGINT;
ALTER TABLE journal ADD COLUMN exercise_id BIGINT;
CREATE INDEX records_exercise ON records (record_type, exercise_id);

-- Documents generated for a record (an exercise's after-action report and metrics).
CREATE TABLE documents (
    record_type TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (record_type, record_id, name)
);
