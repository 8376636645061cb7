-- Foundation schema. Common subset of SQLite >= 3.40 and PostgreSQL 15.
-- Times are Unix epoch milliseconds (BIGINT); JSON documents are TEXT.

-- Named monotonic counters. The event sequence is taken from here inside the
-- appending transaction: on PostgreSQL the row lock orders appenders by
-- commit, so a reader tailing by sequence never sees a gap fill in later.
CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('events', 0);

-- The event log: outbox, audit trail and replay source at once.
CREATE TABLE events (
  sequence  BIGINT PRIMARY KEY,
  id        TEXT NOT NULL,
  source    TEXT NOT NULL,
  type      TEXT NOT NULL,
  subject   TEXT,
  time_ms   BIGINT NOT NULL,
  envelope  TEXT NOT NULL
);
CREATE UNIQUE INDEX events_source_id ON events (source, id);
CREATE INDEX events_type_seq ON events (type, sequence);
CREATE INDEX events_subject_seq ON events (subject, sequence);

-- Runtime configuration layer (highest precedence).
CREATE TABLE config_values (
  key         TEXT PRIMARY KEY,
  value       TEXT NOT NULL,
  updated_at  BIGINT NOT NULL,
  updated_by  TEXT
);

-- Admin API keys, stored as SHA-256 of the key (keys are 256-bit random).
CREATE TABLE api_keys (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  key_hash    TEXT NOT NULL UNIQUE,
  created_at  BIGINT NOT NULL,
  revoked_at  BIGINT
);

-- Durable subscriptions to the event log, each with its own cursor.
CREATE TABLE subscriptions (
  id               TEXT PRIMARY KEY,
  pattern          TEXT NOT NULL,
  kind             TEXT NOT NULL,        -- webhook | handler
  target           TEXT NOT NULL,        -- URL or handler name
  secret           TEXT,                 -- whsec_… for webhooks
  cursor           BIGINT NOT NULL,      -- last sequence acknowledged
  state            TEXT NOT NULL,        -- active | paused
  attempts         INTEGER NOT NULL DEFAULT 0,
  next_attempt_at  BIGINT NOT NULL DEFAULT 0,
  last_error       TEXT,
  delivered        BIGINT NOT NULL DEFAULT 0,
  created_at       BIGINT NOT NULL,
  updated_at       BIGINT NOT NULL
);

-- Events a subscription gave up on after its configured attempts. The cursor
-- moves past them so one poisoned event never blocks the rest; replay
-- re-delivers from any sequence.
CREATE TABLE dead_letters (
  subscription_id  TEXT NOT NULL,
  sequence         BIGINT NOT NULL,
  attempts         INTEGER NOT NULL,
  last_error       TEXT NOT NULL,
  created_at       BIGINT NOT NULL,
  PRIMARY KEY (subscription_id, sequence)
);
