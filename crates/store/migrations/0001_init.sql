-- Forewarn store schema. One file for both SQLite and PostgreSQL: only TEXT and BIGINT
-- columns, no auto-increment (ids and journal sequence numbers are allocated by the store
-- inside the serialised write transaction), no dialect-specific defaults.

-- The append-only journal: every state change, in commit order. Never updated or deleted.
CREATE TABLE journal (
    seq BIGINT PRIMARY KEY,
    ts TEXT NOT NULL,
    actor TEXT NOT NULL,
    org TEXT NOT NULL,
    kind TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    visibility TEXT NOT NULL,
    party_org TEXT,
    payload TEXT NOT NULL
);
CREATE INDEX journal_record ON journal (record_type, record_id);

-- Projection of domain records (incidents, alerts, requests, offers, sitreps), one row per
-- record with its current state as JSON, plus the columns used for access checks and filters.
CREATE TABLE records (
    record_type TEXT NOT NULL,
    id BIGINT NOT NULL,
    org TEXT NOT NULL,
    visibility TEXT NOT NULL,
    party_org TEXT,
    status TEXT NOT NULL,
    parent_id BIGINT,
    data TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (record_type, id)
);
CREATE INDEX records_parent ON records (record_type, parent_id);
CREATE INDEX records_org ON records (record_type, org);

-- Large hazard layers (GeoJSON) of incidents, kept out of the journal payloads.
CREATE TABLE layers (
    incident_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    geojson TEXT NOT NULL,
    PRIMARY KEY (incident_id, name)
);

CREATE TABLE orgs (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    country_iso2 TEXT,
    cap_sender TEXT NOT NULL
);

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    org TEXT NOT NULL REFERENCES orgs (code),
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked BIGINT NOT NULL
);

-- Stored responses of POSTs sent with an Idempotency-Key, written in the same transaction as
-- the change they report.
CREATE TABLE idempotency (
    user_id BIGINT NOT NULL,
    idem_key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
