// Internals shared by the jobs/*.cpp files; not part of the public surface.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/metrics.h"
#include "jobs/queue.h"
#include "jobs/waiters.h"
#include "store/coalescing_writer.h"
#include "store/db.h"

namespace sb::events { class EventLog; }

namespace sb::jobs {

struct EnqueueItem {
  std::string queue;
  std::vector<NewJob> jobs;
};

struct AckItem {
  std::string queue;
  std::vector<Ack> acks;
};

// An in-process worker, registered while it runs. An enqueue in this process
// claims for one that has free slots inside the enqueue's own transaction, so
// the job starts one commit sooner than if the worker were woken to claim.
struct Taker {
  virtual ~Taker() = default;
  // What to claim for it now (max = its free slots); max 0 = none.
  virtual ClaimOptions wants() = 0;
  // After the commit that claimed them.
  virtual void give(std::vector<Claimed> jobs) = 0;
};

struct Queue::Impl {
  Impl(store::Db& db, events::EventLog& events, const Clock& clock, QueueOptions options,
       metrics::Registry* metrics);

  // --- in a transaction (the store's writer) -------------------------------
  Result<std::vector<Enqueued>> insert(store::Tx& tx, const std::string& queue, std::vector<NewJob>& jobs);
  Result<std::vector<Claimed>> claim_in(store::Tx& tx, const std::string& queue, const ClaimOptions& options);
  // hand_over.cpp: whether new ready jobs may go straight to a local worker
  // (nothing a claim would prefer, no pause or limit), and that insert.
  Result<bool> may_hand_over_new(store::Tx& tx, const std::string& queue, int64_t now);
  Result<std::vector<Claimed>> insert_active(store::Tx& tx, const std::string& queue, const std::vector<NewJob>& jobs,
                                             const std::vector<Enqueued>& ids, const std::vector<size_t>& which,
                                             const ClaimOptions& options, int64_t now);
  Status ack_in(store::Tx& tx, const std::string& queue, const Ack& ack, int64_t now);
  // Many acks: those without a result go several per statement.
  Result<std::vector<Status>> ack_many_in(store::Tx& tx, const std::string& queue, const std::vector<Ack>& acks,
                                          int64_t now);
  // A failed attempt of an active job: back off, or dead when out of attempts.
  Result<State> fail_in(store::Tx& tx, const std::string& queue, const std::string& id, int attempts,
                 int max_attempts, const std::string& backoff_type, int64_t backoff_ms, int64_t backoff_max_ms,
                 const std::string& errors, std::string_view message, int64_t now);
  // Creates the queue's settings row the first time this process sees it.
  Status ensure_queue(store::Tx& tx, const std::string& queue, int64_t now);
  // Not found vs not yours: why a job did not match (id, queue, active, lease).
  Status why_not_active(store::Tx& tx, const std::string& queue, std::string_view id);

  // Jobs per state (delayed = waiting for their run_at).
  Result<Counts> count(const std::string& queue);

  // In-process workers, by queue (see Taker).
  void park_taker(const std::string& queue, std::shared_ptr<Taker> taker);
  void unpark_taker(const std::string& queue, const Taker* taker);
  // Jobs handed to a Taker that stopped meanwhile go back to waiting (their
  // attempt not counted).
  void release(const std::string& queue, const std::string& lease);

  // --- after commit ---------------------------------------------------------
  // Jobs became claimable in `queue` (n of them), or will at `due_ms`.
  void made_ready(const std::string& queue, size_t n);
  void made_due(const std::string& queue, int64_t due_ms);

  void long_poll(std::string queue, ClaimOptions options, int64_t deadline, ClaimDone done);
  void observe_claimed(const std::vector<Claimed>& jobs, int64_t now);

  // --- housekeeping (maintenance.cpp) ----------------------------------------
  Status recover_expired(int64_t now);
  Status enqueue_due_schedules(int64_t now);
  Status apply_retention(int64_t now);
  // Answers long-polls whose wait ended and wakes queues whose delayed jobs
  // came due; returns the nearest next such moment (steady ms).
  int64_t wake_due();
  void timer_loop(int64_t every_ms);

  Queue* owner = nullptr;  // for the timer's tick()
  store::Db& db;
  events::EventLog& events;
  const Clock& clock;
  const QueueOptions options;
  Waiters waiters;

  metrics::Counter* enqueued = nullptr;
  metrics::Counter* claimed = nullptr;
  metrics::Counter* completed = nullptr;
  metrics::Counter* failed = nullptr;
  metrics::Counter* dead = nullptr;
  metrics::Counter* expired = nullptr;
  metrics::Counter* handed_over = nullptr;
  metrics::Histogram* start_latency = nullptr;  // seconds from ready to claimed

  std::mutex mu;
  std::set<std::string> known_queues;     // guarded by mu: settings row exists
  std::map<std::string, int64_t> due;     // guarded by mu: earliest delayed run_at per queue
  int64_t last_retention_ms = 0;          // guarded by mu
  std::map<std::string, std::vector<std::shared_ptr<Taker>>> takers;  // guarded by mu: local workers
  std::map<std::string, int64_t, std::less<>> keep_defaults;  // guarded by mu: keep_completed_by_default
  // Completed jobs `queue` keeps, from its setting (-1 = the default).
  int64_t keep_completed(const std::string& queue, int64_t setting);

  std::mutex timer_mu;
  std::condition_variable timer_cv;
  bool timer_stop = false;  // guarded by timer_mu
  std::thread timer;

  // Last: they call back into the members above.
  store::CoalescingWriter<EnqueueItem, Enqueued> enqueuer;
  store::CoalescingWriter<AckItem, Status> acker;
};

// Backoff before attempt `attempt + 1` after attempt `attempt` failed.
int64_t backoff_delay_ms(const std::string& type, int64_t base_ms, int64_t max_ms, int attempt);
std::string random_lease();
// A new job's row: kJobInsertColumns, in that order, as parameters.
inline constexpr const char* kJobInsertColumns =
    "id, queue, state, priority, run_at_ms, payload, max_attempts, backoff_type, backoff_ms, backoff_max_ms, "
    "lease_ms, dedup_key, created_ms";
inline constexpr int kJobInsertColumnCount = 13;
void append_job_params(store::Params& p, const std::string& id, const std::string& queue, const NewJob& j,
                       const char* state, int64_t run_at, int64_t now);
// Appends {attempt, time_ms, message} to a JSON array held as text ("" = []).
std::string append_error(const std::string& errors_json, int attempt, int64_t time_ms, std::string_view message);

}  // namespace sb::jobs
