-- Service registry (discovery/registry.h). One row per registered instance;
-- `check_def` is the health check as JSON. `discovery_index` is the
-- registry's change counter: bumped by every change (which also serialises
-- registry writes on PostgreSQL); each instance row and each service keeps
-- the index of its last change, which watchers compare against.
CREATE TABLE service_instances (
  service TEXT NOT NULL,
  id TEXT NOT NULL,
  address TEXT NOT NULL,
  port INTEGER NOT NULL,
  tags TEXT NOT NULL,
  meta TEXT NOT NULL,
  version TEXT NOT NULL,
  zone TEXT NOT NULL,
  check_def TEXT NOT NULL,
  ttl_ms BIGINT NOT NULL,
  deregister_after_ms BIGINT NOT NULL,
  health TEXT NOT NULL,
  output TEXT NOT NULL,
  registered_at BIGINT NOT NULL,
  last_heartbeat BIGINT NOT NULL,
  critical_since BIGINT NOT NULL,
  change_index BIGINT NOT NULL,
  PRIMARY KEY (service, id)
);
-- The sweeper's two questions: TTLs run out, critical instances past their delay.
CREATE INDEX service_instances_ttl ON service_instances (health, ttl_ms);
CREATE TABLE discovery_services (
  name TEXT PRIMARY KEY,
  change_index BIGINT NOT NULL
);
CREATE TABLE discovery_index (
  id INTEGER PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO discovery_index (id, value) VALUES (1, 0);
-- Who runs the active checks and the TTL sweep: one instance at a time.
CREATE TABLE discovery_lease (
  id INTEGER PRIMARY KEY,
  owner TEXT NOT NULL,
  until_ms BIGINT NOT NULL
);
INSERT INTO discovery_lease (id, owner, until_ms) VALUES (1, '', 0);
