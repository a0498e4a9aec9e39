-- The run queue (crates/store/src/jobs.rs): one row per incident whose run is queued or
-- running. Queued in the same transaction as the journal entry that asks for the run; taken
-- by a server node or a `forewarn worker` (the first free one, organisations with the fewest
-- runs in progress across the cluster first), held under a lease its holder renews, taken
-- again by another once the lease has expired; deleted in the transaction that journals the
-- result. A table older versions do not read (rolling upgrades: docs/deploy.md).
CREATE TABLE run_jobs (
    incident_id BIGINT PRIMARY KEY,
    org TEXT NOT NULL,
    -- Which run of the incident (a revision of its event queues a newer one).
    generation BIGINT NOT NULL,
    holder TEXT,
    -- The holder's lease (ms since the Unix epoch); 0 while queued. Free once past.
    lease_until_ms BIGINT NOT NULL,
    -- How many times it was taken (the second and later are takeovers).
    attempts BIGINT NOT NULL,
    queued_ms BIGINT NOT NULL
);
CREATE INDEX run_jobs_lease ON run_jobs (lease_until_ms);
-- When each organisation last had a run taken (ms): among organisations with as many runs in
-- progress, the one whose turn is oldest goes first (round-robin across the cluster).
CREATE TABLE run_turns (
    org TEXT PRIMARY KEY,
    last_ms BIGINT NOT NULL
);
