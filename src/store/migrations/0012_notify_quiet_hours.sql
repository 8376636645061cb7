-- A user's quiet hours: non-critical deliveries that fall inside wait for the
-- end of the window (in the user's time zone), they are not dropped.
CREATE TABLE notify_quiet_hours (
  user_id TEXT PRIMARY KEY,
  start_minute INTEGER NOT NULL,  -- minutes after local midnight
  end_minute INTEGER NOT NULL,
  time_zone TEXT NOT NULL
);
