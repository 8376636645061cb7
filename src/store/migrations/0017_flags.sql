-- Feature flags (flags/service.h), in Unleash's model. A flag's own fields
-- (type, description, project, impressionData) live in `flags`; what differs
-- per environment (enabled, strategies, variants, dependencies) is the
-- feature object stored per environment in `flag_environments`, kept as the
-- JSON Unleash's client API serves so an import is served back as given.
CREATE TABLE flags (
  name TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  description TEXT NOT NULL,
  project TEXT NOT NULL,
  impression_data INTEGER NOT NULL,
  archived INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE flag_environments (
  name TEXT NOT NULL,
  environment TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  feature TEXT NOT NULL,
  PRIMARY KEY (name, environment)
);
-- Segments: shared constraint sets, referenced by id from strategies.
CREATE TABLE flag_segments (
  id BIGINT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  constraints TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
-- One row: bumped by every flag or segment write, which also serialises
-- those writes (the row lock on PostgreSQL), so a change is validated
-- against the set it joins. The client API's ETag derives from it.
CREATE TABLE flag_revision (
  id INTEGER PRIMARY KEY,
  revision BIGINT NOT NULL
);
INSERT INTO flag_revision (id, revision) VALUES (1, 0);
-- API tokens of the Unleash SDKs, scoped to one environment. Only a hash of
-- the secret is kept; the token is shown once, at creation.
CREATE TABLE flag_tokens (
  id TEXT PRIMARY KEY,
  secret_hash TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  environment TEXT NOT NULL,
  name TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
-- SDK instances that registered (POST /api/client/register).
CREATE TABLE flag_clients (
  app_name TEXT NOT NULL,
  instance_id TEXT NOT NULL,
  environment TEXT NOT NULL,
  sdk_version TEXT NOT NULL,
  strategies TEXT NOT NULL,
  interval_ms BIGINT NOT NULL,
  started TEXT NOT NULL,
  last_seen BIGINT NOT NULL,
  PRIMARY KEY (app_name, instance_id, environment)
);
-- Evaluation counts the SDKs report (POST /api/client/metrics), per flag,
-- environment, application and hour (epoch ms of the hour's start).
CREATE TABLE flag_metrics (
  flag TEXT NOT NULL,
  environment TEXT NOT NULL,
  app_name TEXT NOT NULL,
  hour BIGINT NOT NULL,
  yes BIGINT NOT NULL,
  no BIGINT NOT NULL,
  PRIMARY KEY (flag, environment, app_name, hour)
);
