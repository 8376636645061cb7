-- The deliveries an operator looks for (dead, bounced, retrying) by status:
-- GET /v1/notifications?status=dead is driven from this small index instead
-- of testing every notification of the window, newest first, for one.
CREATE INDEX notify_deliveries_attention ON notify_deliveries (status, notification_id)
  WHERE status IN ('dead', 'bounced', 'retrying');
