-- Notifications (notify::Service): one notification per send, one delivery
-- per channel (each a job on the queue "notify.<channel>"), a status timeline
-- per delivery, templates per type x channel x locale, per-user opt-outs and
-- the in-app inbox.
CREATE TABLE notify_templates (
  type TEXT NOT NULL,
  channel TEXT NOT NULL,
  locale TEXT NOT NULL,
  subject TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  html TEXT NOT NULL DEFAULT '',
  updated_ms BIGINT NOT NULL,
  PRIMARY KEY (type, channel, locale)
);

CREATE TABLE notifications (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  user_id TEXT NOT NULL,
  data TEXT NOT NULL,
  locale TEXT NOT NULL DEFAULT '',
  critical INTEGER NOT NULL DEFAULT 0,
  idempotency_key TEXT,
  created_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX notifications_idempotency ON notifications (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX notifications_user ON notifications (user_id, id);

-- The timeline lives in the row (a JSON array appended to): a status change
-- rewrites one row instead of adding to a second table and its index.
CREATE TABLE notify_deliveries (
  id TEXT PRIMARY KEY,
  notification_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  status TEXT NOT NULL,       -- queued deferred sending sent delivered retrying dead suppressed
  provider TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT '',
  updated_ms BIGINT NOT NULL,
  timeline TEXT NOT NULL DEFAULT '[]'  -- [{status, at_ms, provider, detail}]
);
CREATE INDEX notify_deliveries_notification ON notify_deliveries (notification_id);

CREATE TABLE notify_preferences (
  user_id TEXT NOT NULL,
  type TEXT NOT NULL,
  channel TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  PRIMARY KEY (user_id, type, channel)
);

CREATE TABLE notify_inbox (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  notification_id TEXT NOT NULL,
  type TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  data TEXT NOT NULL DEFAULT '{}',
  created_ms BIGINT NOT NULL,
  read_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notify_inbox_user ON notify_inbox (user_id, id);
