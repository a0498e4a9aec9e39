-- The children of one parent (a request's offers, an incident's alerts), newest first, come
-- from one index: equality on (record_type, parent_id) with the ids in order. With only
-- (record_type, parent_id) SQLite walked the primary key backwards through every record of
-- the type, so listing requests (each with its offers) grew with the number of offers ever
-- made; `forewarn bench soak` found it as a p99 that rose over half an hour.
CREATE INDEX records_parent_id ON records (record_type, parent_id, id);
DROP INDEX records_parent;
