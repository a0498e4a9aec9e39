-- Leases: work that exactly one server node may do at a time (the watch's polling; see
-- crates/store/src/lease.rs). A holder renews its lease before it expires; another node takes
-- it once it has expired. Added for several nodes on one PostgreSQL (docs/deploy.md); a table
-- that older versions do not read, so old and new nodes can run against it during an upgrade.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_ms BIGINT NOT NULL
);
