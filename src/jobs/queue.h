// jobs::Queue — durable priority queues on the store (SQLite embedded,
// PostgreSQL in a cluster), no Redis needed. Every named queue lives in one
// `jobs` table; a queue exists once a job or a setting names it.
//
// A job is waiting (ready), delayed (run_at in the future, or backing off
// after a failure), active (claimed under a lease), completed, dead (out of
// attempts) or cancelled. Claims take the highest priority first, FIFO within
// a priority. A claim hands out a lease token; ack/nack/extend/progress with
// any other token are refused (kConflict), so a worker that lost its lease
// cannot overwrite a job delivered again. A lease that expires (worker died)
// sends the job back to waiting at tick(), its attempt counted.
//
// Enqueues are acknowledged only once durable: enqueue(tx, …) joins the
// caller's transaction (a state change and the jobs it causes commit
// together); enqueue_async() goes through the store's group commit.
//
// No HTTP types here (api/jobs_api.cpp adapts). Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "events/event.h"

namespace sb::store { class Db; class Tx; }
namespace sb::events { class EventLog; }
namespace sb::metrics { class Registry; }

namespace sb::jobs {

struct Backoff {
  enum class Type { kExponential, kFixed };
  Type type = Type::kExponential;  // exponential: full jitter in [0, delay_ms·2^(attempt-1)]
  int64_t delay_ms = 1000;
  int64_t max_ms = 3'600'000;      // cap of one wait
};

struct NewJob {
  std::string payload = "{}";  // JSON text, stored as given
  int64_t priority = 0;        // higher first
  int64_t delay_ms = 0;        // from now; ignored when run_at_ms is set
  int64_t run_at_ms = 0;       // Unix ms; 0 = now + delay_ms
  int max_attempts = 3;
  Backoff backoff;
  // While a job with this key in this queue is not finished, enqueueing
  // another returns the first (no copy).
  std::string dedup_key;
  int64_t lease_ms = 0;  // lease length of each claim; 0 = the claim's (or the queue default)
};

struct Enqueued {
  std::string id;
  bool duplicate = false;  // a dedup hit: `id` is the job already there
};

enum class State { kWaiting, kDelayed, kActive, kCompleted, kDead, kCancelled };
std::string_view state_name(State s);
std::optional<State> parse_state(std::string_view name);

struct Claimed {
  std::string id;
  std::string queue;
  std::string payload;
  int attempt = 0;  // 1 on first delivery
  std::string lease;
  int64_t lease_until_ms = 0;
  int64_t priority = 0;
  int64_t ready_ms = 0;  // when it became claimable (enqueue→start latency)
};

struct ClaimOptions {
  int max = 1;
  int64_t lease_ms = 30'000;  // used when the job names none
  int64_t wait_ms = 0;        // claim_async only: long-poll bound
};

// Writes that commit with an ack (an in-process handler's record of what it
// did). Events they produce go into `events`: an ack group's are appended
// together after its acks, one sequence reservation and multi-row insert
// instead of one append per job.
using AckWrite = std::function<Status(store::Tx&, std::vector<events::Event>& events)>;

struct Ack {
  std::string id;
  std::string lease;
  std::string result;  // JSON text; empty = none
  // More to write in the ack's transaction: an in-process handler's record of
  // what it did commits with the ack or not at all, in the same grouped write
  // instead of a commit of its own that the handler's thread waits for.
  // Written even when the ack itself finds the lease gone (the work was done).
  AckWrite also;
};

struct JobError {
  int attempt = 0;
  int64_t time_ms = 0;
  std::string message;
};

struct JobInfo {
  std::string id;
  std::string queue;
  State state = State::kWaiting;
  int64_t priority = 0;
  int attempts = 0;
  int max_attempts = 0;
  std::string payload;
  std::string result;    // JSON text, empty if none
  std::string progress;  // JSON text, empty if none
  std::vector<JobError> errors;  // every failed attempt, oldest first
  std::string dedup_key;
  int64_t created_ms = 0;
  int64_t run_at_ms = 0;
  int64_t started_ms = 0;   // last claim
  int64_t finished_ms = 0;  // completed / dead / cancelled
  int64_t lease_until_ms = 0;
};

struct Counts {
  int64_t waiting = 0, delayed = 0, active = 0, completed = 0, dead = 0, cancelled = 0;
};

// Per-queue settings; stored, shared by every instance.
struct QueueSettings {
  bool paused = false;
  int64_t concurrency = 0;       // most active jobs at once across all workers; 0 = no limit
  int64_t rate_max = 0;          // most claims per rate_interval_ms; 0 = no limit
  int64_t rate_interval_ms = 1000;
  int64_t keep_completed = -1;   // completed jobs kept (newest); -1 = the default
  int64_t keep_completed_ms = -1;  // and for how long; -1 = the default
};

struct QueueInfo {
  std::string name;
  Counts counts;
  QueueSettings settings;
};

// A repeatable job: `cron` (5 fields, in time zone `tz`) or every `every_ms`.
// Exactly one job per tick is enqueued, whichever instances run tick().
struct Schedule {
  std::string name;   // unique per queue
  std::string queue;
  std::string cron;   // empty when every_ms is used
  std::string tz = "UTC";
  int64_t every_ms = 0;
  NewJob job;         // template of each job (dedup_key is set per tick)
  int64_t next_run_ms = 0;  // read back: the next tick
};

struct QueueOptions {
  int64_t default_keep_completed = 1000;
  int64_t default_keep_completed_ms = 24 * 3'600'000LL;
  size_t max_payload_bytes = 256 * 1024;
  bool event_per_completion = false;  // job.completed on the event log
};

// Returns the job's result (JSON text, may be empty) or an error (retried per
// the job's policy).
using Handler = std::function<Result<std::string>(const Claimed& job)>;
// A handler's result plus writes that commit with its ack (Ack::also).
struct Completion {
  std::string result;
  AckWrite also;
};
using CompletingHandler = std::function<Result<Completion>(const Claimed& job)>;

class Worker;

class Queue {
 public:
  Queue(store::Db& db, events::EventLog& events, const Clock& clock, QueueOptions options = {},
        metrics::Registry* metrics = nullptr);
  ~Queue();
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // --- producers ---------------------------------------------------------
  // In the caller's transaction; local workers wake after it commits.
  Result<std::vector<Enqueued>> enqueue(store::Tx& tx, std::string_view queue, std::vector<NewJob> jobs);
  using EnqueueDone = std::function<void(Result<std::vector<Enqueued>>)>;
  // In a transaction of its own, grouped with concurrent enqueues; `done`
  // runs on a store thread once durable. Must not block.
  void enqueue_async(std::string queue, std::vector<NewJob> jobs, EnqueueDone done);
  Result<std::vector<Enqueued>> enqueue(std::string_view queue, std::vector<NewJob> jobs);

  // --- workers -----------------------------------------------------------
  // Claims what is ready now (possibly nothing).
  Result<std::vector<Claimed>> claim(std::string_view queue, const ClaimOptions& options);
  using ClaimDone = std::function<void(Result<std::vector<Claimed>>)>;
  // Long-poll: answers as soon as something is claimed, or with nothing once
  // options.wait_ms passed (checked at tick()). `done` must not block.
  void claim_async(std::string queue, ClaimOptions options, ClaimDone done);

  // One status per ack, in order. kNotFound: no such job in that queue;
  // kConflict: not active under that lease.
  std::vector<Status> ack(std::string_view queue, const std::vector<Ack>& acks);
  Status ack(std::string_view queue, const Ack& ack);
  using AckDone = std::function<void(std::vector<Status>)>;
  void ack_async(std::string queue, std::vector<Ack> acks, AckDone done);
  // A failed attempt: retried after the job's backoff, or dead when out of
  // attempts. Returns the job's state after it (waiting, delayed or dead).
  Result<State> nack(std::string_view queue, std::string_view id, std::string_view lease, std::string_view error);
  // Heartbeat: the lease now ends lease_ms from now. Returns that time.
  Result<int64_t> extend(std::string_view queue, std::string_view id, std::string_view lease, int64_t lease_ms);
  Status progress(std::string_view queue, std::string_view id, std::string_view lease, std::string_view json);

  // Runs `handler` on `concurrency` threads of its own for jobs of `queue`
  // until the Worker is destroyed (which finishes the jobs in hand).
  std::unique_ptr<Worker> work(std::string queue, int concurrency, Handler handler,
                               ClaimOptions options = {});
  // The same, for a handler that records its outcome in the store: the
  // record rides on the ack (Completion::also), so the handler's thread is
  // free for the next job as soon as the work is done.
  std::unique_ptr<Worker> work_completing(std::string queue, int concurrency, CompletingHandler handler,
                                          ClaimOptions options = {});

  // This process's default retention for `queue` (completed jobs kept),
  // used while its settings say -1 (the default) instead of
  // QueueOptions::default_keep_completed; 0 deletes jobs at their ack. For a
  // module whose own rows record what its jobs did.
  void keep_completed_by_default(std::string_view queue, int64_t keep);

  // In-process workers of this process for `queue`. A job enqueued in this
  // process is claimed for one of them that has free slots inside the
  // enqueue's own transaction: one commit from enqueue to start.
  size_t local_workers(std::string_view queue);

  // --- administration ----------------------------------------------------
  Result<JobInfo> get(std::string_view queue, std::string_view id);
  // Newest first within `state` (or every state if nullopt); `before` = an id
  // to continue after (paging).
  Result<std::vector<JobInfo>> list(std::string_view queue, std::optional<State> state, int limit,
                                    std::string_view before = {});
  Status retry(std::string_view queue, std::string_view id);   // dead/cancelled → waiting, attempts reset
  Status cancel(std::string_view queue, std::string_view id);  // waiting/delayed → cancelled
  Status pause(std::string_view queue);
  Status resume(std::string_view queue);
  Status configure(std::string_view queue, const QueueSettings& settings);
  Result<QueueInfo> info(std::string_view queue);
  Result<std::vector<QueueInfo>> queues();  // every queue with jobs or settings

  Status add_schedule(Schedule schedule);  // replaces one of the same queue and name
  Status remove_schedule(std::string_view queue, std::string_view name);
  Result<std::vector<Schedule>> schedules(std::string_view queue = {});

  // Housekeeping, by every instance: expired leases back to waiting (or
  // dead), due schedules enqueued, retention, long-polls whose wait ended
  // answered. start() runs it every `every_ms`; tests call it after moving
  // a ManualClock.
  Status tick();
  void start(int64_t every_ms = 1000);
  void stop();

  // Names: 1–64 of [A-Za-z0-9._:-], starting with a letter or digit.
  static Status check_name(std::string_view queue);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// A running in-process worker; destroying it stops claiming, finishes the
// jobs in hand and acknowledges them.
class Worker {
 public:
  virtual ~Worker() = default;
  virtual void stop() = 0;
};

}  // namespace sb::jobs
