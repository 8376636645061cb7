-- Event rules (notify.rules) follow the event log with one durable cursor,
-- moved in the same transaction as the notifications it caused. Whichever
-- instance holds the lease applies the rules; -1 = start at the log's head.
CREATE TABLE notify_rule_cursor (
  name TEXT PRIMARY KEY,
  cursor BIGINT NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0
);
INSERT INTO notify_rule_cursor (name, cursor) VALUES ('rules', -1);
