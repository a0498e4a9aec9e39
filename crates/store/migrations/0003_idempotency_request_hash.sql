-- The SHA-256 (hex) of the method, path and body of the request that first used an
-- Idempotency-Key: a retry with the same key must send the same request. Rows written before
-- this column existed have '' (not compared).
ALTER TABLE idempotency ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';
