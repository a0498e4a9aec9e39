-- The proactive watch (crates/watch, crates/server/src/watch).
-- One row per configured source: its health (last success, last error, items seen /
-- accepted / rejected) and conditional-GET validators, as JSON.
CREATE TABLE watch_sources (
    name TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row per associated event: every agency's latest report of it, as JSON.
CREATE TABLE watch_events (
    event_key TEXT PRIMARY KEY,
    origin_time TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX watch_events_time ON watch_events (origin_time);

-- The automatic incident of each (event, organisation), written in the transaction that
-- creates the incident, so that an event gives an organisation at most one incident.
CREATE TABLE watch_links (
    event_key TEXT NOT NULL,
    org TEXT NOT NULL,
    incident_id BIGINT NOT NULL,
    PRIMARY KEY (event_key, org)
);
