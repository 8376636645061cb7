-- Where a user's push notifications go: Web Push subscriptions (FCM and APNs
-- tokens later). A push service's "gone" answer removes the row.
CREATE TABLE notify_devices (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  p256dh TEXT NOT NULL DEFAULT '',
  auth TEXT NOT NULL DEFAULT '',
  created_ms BIGINT NOT NULL
);
CREATE UNIQUE INDEX notify_devices_endpoint ON notify_devices (user_id, endpoint);
