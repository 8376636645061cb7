-- Stats and lists read notifications by time.
CREATE INDEX notifications_created ON notifications (created_ms);
