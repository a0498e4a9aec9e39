-- Login attempts counted across server nodes (several nodes on one PostgreSQL; the server's
-- login_shared.rs): one row per limit key of an attempt, counted before its password check
-- and removed again when the password was right. Rows older than the longest window are
-- deleted. A table older versions do not read (rolling upgrades: docs/deploy.md).
CREATE TABLE login_attempts (
    attempt_id TEXT NOT NULL,
    key TEXT NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (key, at_ms);
CREATE INDEX login_attempts_attempt ON login_attempts (attempt_id);
