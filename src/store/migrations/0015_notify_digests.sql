-- Digests (notify/digest.h): a delivery of a digested type x channel is not
-- sent on its own; it joins the digest job that sends one message for all
-- of them when the window closes. The job (queue "notify.digest", deduplicated
-- per user, type, channel and window end) is the digest; this table says
-- which deliveries it carries. A side table, not a column, so that
-- notify_deliveries (written on every send) stays as it is.
CREATE TABLE notify_digest_items (
  delivery_id TEXT PRIMARY KEY,
  digest_id TEXT NOT NULL  -- the id of the digest's job
);
CREATE INDEX notify_digest_items_digest ON notify_digest_items (digest_id);
