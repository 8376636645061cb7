-- Provider status callbacks (notify/callbacks.h): the id the provider gave a
-- delivery when it accepted it, so its later "delivered" / "bounced" callback
-- finds the delivery; and the Mailgun tokens already seen, so a replayed
-- callback is refused on every instance (kept for twice the freshness window).
ALTER TABLE notify_deliveries ADD COLUMN provider_message_id TEXT NOT NULL DEFAULT '';
CREATE INDEX notify_deliveries_provider_message ON notify_deliveries (provider, provider_message_id)
  WHERE provider_message_id <> '';

CREATE TABLE notify_callback_tokens (
  token TEXT PRIMARY KEY,
  seen_ms BIGINT NOT NULL
);
CREATE INDEX notify_callback_tokens_seen ON notify_callback_tokens (seen_ms);
