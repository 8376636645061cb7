-- SQLite: make `sequence` the table's rowid. 0001 declared it BIGINT PRIMARY
-- KEY, which SQLite (unlike INTEGER PRIMARY KEY) keeps as a separate unique
-- index next to a hidden rowid: every append paid for one more B-tree insert,
-- and every read by sequence went through that index and back to the table.
-- The subject index becomes partial: no query looks up events by a NULL
-- subject, and most events have none.
CREATE TABLE events_by_sequence (
  sequence  INTEGER PRIMARY KEY,
  id        TEXT NOT NULL,
  source    TEXT NOT NULL,
  type      TEXT NOT NULL,
  subject   TEXT,
  time_ms   BIGINT NOT NULL,
  envelope  TEXT NOT NULL
);
INSERT INTO events_by_sequence (sequence, id, source, type, subject, time_ms, envelope)
  SELECT sequence, id, source, type, subject, time_ms, envelope FROM events ORDER BY sequence;
DROP TABLE events;
ALTER TABLE events_by_sequence RENAME TO events;
CREATE UNIQUE INDEX events_source_id ON events (source, id);
CREATE INDEX events_type_seq ON events (type, sequence);
CREATE INDEX events_subject_seq ON events (subject, sequence) WHERE subject IS NOT NULL;
