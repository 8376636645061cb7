-- Several instances deliver subscriptions: a subscription is delivered by
-- whichever instance holds its lease, so each stays in order and is not sent
-- twice by two instances at once.
ALTER TABLE subscriptions ADD COLUMN lease_owner TEXT;
ALTER TABLE subscriptions ADD COLUMN lease_until BIGINT NOT NULL DEFAULT 0;
