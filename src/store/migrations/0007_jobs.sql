-- Durable job queues (jobs::Queue). One table holds every named queue's jobs.
-- Partial indexes hold only the rows each access path needs, so finished jobs
-- cost a claim nothing and a count reads one index range.
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,            -- UUIDv7: FIFO within a priority
  queue TEXT NOT NULL,
  state TEXT NOT NULL,            -- waiting | delayed | active | completed | dead | cancelled
  priority BIGINT NOT NULL DEFAULT 0,
  run_at_ms BIGINT NOT NULL,      -- when it is (or became) claimable
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  backoff_type TEXT NOT NULL,     -- exponential | fixed
  backoff_ms BIGINT NOT NULL,
  backoff_max_ms BIGINT NOT NULL,
  lease_ms BIGINT NOT NULL DEFAULT 0,  -- 0: the claim's lease length
  lease TEXT,
  lease_until_ms BIGINT NOT NULL DEFAULT 0,
  dedup_key TEXT,
  errors TEXT,                    -- JSON array of {attempt, time_ms, message}
  result TEXT,
  progress TEXT,
  created_ms BIGINT NOT NULL,
  started_ms BIGINT NOT NULL DEFAULT 0,
  finished_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_ready ON jobs (queue, priority DESC, id) WHERE state = 'waiting';
CREATE INDEX jobs_delayed ON jobs (queue, run_at_ms) WHERE state = 'delayed';
CREATE INDEX jobs_active ON jobs (queue, lease_until_ms) WHERE state = 'active';
CREATE INDEX jobs_finished ON jobs (queue, state, finished_ms) WHERE state IN ('completed', 'dead', 'cancelled');
-- A second enqueue with the key of an unfinished job finds the first.
CREATE UNIQUE INDEX jobs_dedup ON jobs (queue, dedup_key)
  WHERE dedup_key IS NOT NULL AND state IN ('waiting', 'delayed', 'active');

CREATE TABLE job_queues (
  name TEXT PRIMARY KEY,
  paused INTEGER NOT NULL DEFAULT 0,
  concurrency BIGINT NOT NULL DEFAULT 0,
  rate_max BIGINT NOT NULL DEFAULT 0,
  rate_interval_ms BIGINT NOT NULL DEFAULT 1000,
  rate_window_ms BIGINT NOT NULL DEFAULT 0,  -- start of the current rate window
  rate_count BIGINT NOT NULL DEFAULT 0,      -- claims in it
  keep_completed BIGINT NOT NULL DEFAULT -1,
  keep_completed_ms BIGINT NOT NULL DEFAULT -1,
  created_ms BIGINT NOT NULL
);

-- Repeatable jobs: whichever instance moves next_run_ms forward (a
-- compare-and-set on it) enqueues that tick's job.
CREATE TABLE job_schedules (
  queue TEXT NOT NULL,
  name TEXT NOT NULL,
  cron TEXT NOT NULL DEFAULT '',
  tz TEXT NOT NULL DEFAULT 'UTC',
  every_ms BIGINT NOT NULL DEFAULT 0,
  job TEXT NOT NULL,              -- JSON template of each job
  next_run_ms BIGINT NOT NULL,
  created_ms BIGINT NOT NULL,
  PRIMARY KEY (queue, name)
);
