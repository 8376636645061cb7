// jobs::Queue housekeeping, run by every instance: expired leases, retention,
// due schedules, long-polls whose wait ended, delayed jobs coming due.
#include <algorithm>

#include "core/log.h"
#include "jobs/queue_impl.h"

namespace sb::jobs {

namespace {
constexpr int kRecoverBatch = 500;
constexpr int kRetentionBatch = 5000;
constexpr int64_t kRetentionEveryMs = 30'000;
}  // namespace

Status Queue::Impl::recover_expired(int64_t now) {
  // A lease that ran out means the worker died or hung: the attempt counts
  // as failed and the job is delivered again at once (no backoff: nothing
  // says the job itself is at fault), or dead-lettered if it was the last.
  const bool pg = db.engine() == store::Engine::kPostgres;
  // Looked for in a read first: an idle instance's tick then writes (and
  // syncs) nothing.
  bool any = false;
  SB_TRY(db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT 1 FROM jobs WHERE state = 'active' AND lease_until_ms <= $1 LIMIT 1", {now}));
    any = !rows.empty();
    return {};
  }));
  if (!any) return {};
  size_t n = 0;
  SB_TRY(db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query(std::string("SELECT id, queue, attempts, max_attempts, errors FROM jobs "
                                              "WHERE state = 'active' AND lease_until_ms <= $1 LIMIT ") +
                                      std::to_string(kRecoverBatch) + (pg ? " FOR UPDATE SKIP LOCKED" : ""),
                                  {now}));
    for (auto& r : rows) {
      SB_TRY(fail_in(tx, r.text_at(1), r.text_at(0), static_cast<int>(r.int_at(2)), static_cast<int>(r.int_at(3)),
                     "fixed", 0, 0, r.text_at(4), "lease expired (the worker stopped answering)", now)
                 .status());
    }
    n = rows.size();
    return {};
  }));
  if (expired && n) expired->inc(static_cast<double>(n));
  return {};
}

int64_t Queue::Impl::keep_completed(const std::string& queue, int64_t setting) {
  if (setting >= 0) return setting;
  std::lock_guard lock(mu);
  auto it = keep_defaults.find(queue);
  return it != keep_defaults.end() ? it->second : options.default_keep_completed;
}

void Queue::keep_completed_by_default(std::string_view queue, int64_t keep) {
  std::lock_guard lock(impl_->mu);
  impl_->keep_defaults[std::string(queue)] = keep;
}

Status Queue::Impl::apply_retention(int64_t now) {
  // Every kRetentionEveryMs, in one transaction for every queue: deleting
  // is not urgent, and a commit per queue per tick would sync the disk for
  // nothing on an idle server.
  {
    std::lock_guard lock(mu);
    if (last_retention_ms != 0 && now - last_retention_ms < kRetentionEveryMs) return {};
    last_retention_ms = now;
  }
  bool behind = false;  // a full batch went: more are waiting
  Status st = db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto queues, tx.query("SELECT name, keep_completed, keep_completed_ms FROM job_queues"));
    for (auto& q : queues) {
      std::string name = q.text_at(0);
      int64_t keep = keep_completed(name, q.int_at(1));
      int64_t age = q.int_at(2) >= 0 ? q.int_at(2) : options.default_keep_completed_ms;
      // Newest `keep` completed jobs younger than `age` stay; a bounded
      // number go per run so one run never holds the writer for long.
      SB_ASSIGN(int64_t old_ones,
                tx.exec("DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE queue = $1 AND state = 'completed' "
                        "AND finished_ms < $2 LIMIT " + std::to_string(kRetentionBatch) + ")",
                        {name, now - age}));
      SB_ASSIGN(int64_t over, tx.exec("DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE queue = $1 AND state = "
                                      "'completed' ORDER BY finished_ms DESC LIMIT " +
                                          std::to_string(kRetentionBatch) + " OFFSET $2)",
                                      {name, keep}));
      behind = behind || old_ones == kRetentionBatch || over == kRetentionBatch;
    }
    return {};
  });
  // A queue completing more than a batch per interval would outgrow a pass
  // every kRetentionEveryMs: the next tick runs another.
  if (st && behind) {
    std::lock_guard lock(mu);
    last_retention_ms = 0;
  }
  return st;
}

Status Queue::tick() {
  Impl& m = *impl_;
  int64_t now = m.clock.now_ms();
  Status first;
  auto keep = [&](Status s) {
    if (!s && first) first = std::move(s);
  };
  keep(m.recover_expired(now));
  keep(m.enqueue_due_schedules(now));
  keep(m.apply_retention(now));
  m.wake_due();
  return first;
}

int64_t Queue::Impl::wake_due() {
  const int64_t steady = clock.steady_ms(), now = clock.now_ms();
  int64_t nearest = waiters.expire(steady);  // long-polls whose wait ended
  // Delayed jobs that came due: wake whoever waits for their queue.
  std::vector<std::string> due_now;
  {
    std::lock_guard lock(mu);
    for (auto it = due.begin(); it != due.end();) {
      if (it->second <= now) {
        due_now.push_back(it->first);
        it = due.erase(it);
      } else {
        nearest = std::min(nearest, steady + (it->second - now));
        ++it;
      }
    }
  }
  for (auto& q : due_now) made_ready(q, SIZE_MAX);
  return nearest;
}

void Queue::Impl::timer_loop(int64_t every_ms) {
  // Between full ticks the timer wakes for the nearest long-poll deadline or
  // delayed job, so a 50 ms wait ends after 50 ms, not at the next tick.
  // Jobs other instances make ready are found by the full tick's re-claim.
  int64_t next_tick = clock.steady_ms();
  std::unique_lock lock(timer_mu);
  while (!timer_stop) {
    lock.unlock();
    if (clock.steady_ms() >= next_tick) {
      if (Status s = owner->tick(); !s) spdlog::warn("jobs tick: {}", s.message());
      waiters.notify_all_queues();  // other instances' jobs
      next_tick = clock.steady_ms() + every_ms;
    }
    int64_t wake = std::min(next_tick, wake_due());
    lock.lock();
    if (timer_stop) break;
    int64_t sleep = std::clamp<int64_t>(wake - clock.steady_ms(), 1, every_ms);
    timer_cv.wait_for(lock, std::chrono::milliseconds(sleep));
  }
}

void Queue::start(int64_t every_ms) {
  std::lock_guard lock(impl_->timer_mu);
  if (impl_->timer.joinable()) return;
  impl_->timer_stop = false;
  impl_->timer = std::thread([this, every_ms] { impl_->timer_loop(std::max<int64_t>(10, every_ms)); });
}

void Queue::stop() {
  {
    std::lock_guard lock(impl_->timer_mu);
    impl_->timer_stop = true;
  }
  impl_->timer_cv.notify_all();
  if (impl_->timer.joinable()) impl_->timer.join();
  impl_->waiters.close();
}

}  // namespace sb::jobs
