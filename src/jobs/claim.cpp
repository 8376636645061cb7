// jobs::Queue, the worker side: claim (now, or long-poll), ack, nack, extend,
// progress.
#include <algorithm>
#include <future>
#include <map>
#include <set>

#include "events/event_log.h"
#include "jobs/job_events.h"
#include "jobs/queue_impl.h"

namespace sb::jobs {

namespace {
constexpr int kMaxClaim = 1000;

// The claim itself: the best `limit` ready jobs become active under one lease
// token (a re-delivery gets a new one). PostgreSQL skips rows another
// claimer holds instead of waiting for them.
constexpr const char* kClaimSql =
    "UPDATE jobs SET state = 'active', attempts = attempts + 1, lease = $1, started_ms = $2, "
    "lease_until_ms = $2 + (CASE WHEN lease_ms > 0 THEN lease_ms ELSE $3 END) "
    "WHERE id IN (SELECT id FROM jobs WHERE queue = $4 AND state = 'waiting' "
    "ORDER BY priority DESC, id LIMIT $5%s) "
    "RETURNING id, payload, attempts, lease_until_ms, priority, run_at_ms";

const std::string& claim_sql(store::Engine engine) {
  static const std::string sqlite = [] {
    char buf[512];
    std::snprintf(buf, sizeof buf, kClaimSql, "");
    return std::string(buf);
  }();
  static const std::string pg = [] {
    char buf[512];
    std::snprintf(buf, sizeof buf, kClaimSql, " FOR UPDATE SKIP LOCKED");
    return std::string(buf);
  }();
  return engine == store::Engine::kPostgres ? pg : sqlite;
}

}  // namespace

Result<std::vector<Claimed>> Queue::Impl::claim_in(store::Tx& tx, const std::string& queue,
                                                   const ClaimOptions& options) {
  std::vector<Claimed> out;
  const int64_t now = clock.now_ms();
  const bool pg = tx.engine() == store::Engine::kPostgres;
  const char* settings_sql =
      "SELECT paused, concurrency, rate_max, rate_interval_ms, rate_window_ms, rate_count FROM job_queues "
      "WHERE name = $1";
  SB_ASSIGN(auto rows, tx.query(settings_sql, {queue}));
  if (rows.empty()) return out;  // nothing was ever enqueued here
  bool limited = rows[0].int_at(1) > 0 || rows[0].int_at(2) > 0;
  if (limited && pg) {  // claimers of a limited queue take turns on its row
    SB_ASSIGN(rows, tx.query(std::string(settings_sql) + " FOR UPDATE", {queue}));
  }
  const store::Row& q = rows[0];
  if (q.int_at(0) != 0) return out;  // paused
  int64_t limit = std::clamp(options.max, 1, kMaxClaim);
  if (int64_t concurrency = q.int_at(1); concurrency > 0) {
    SB_ASSIGN(auto active, tx.query("SELECT COUNT(*) FROM jobs WHERE queue = $1 AND state = 'active'", {queue}));
    limit = std::min(limit, concurrency - active[0].int_at(0));
  }
  const int64_t rate_max = q.int_at(2), interval = std::max<int64_t>(1, q.int_at(3));
  int64_t window = q.int_at(4), used = q.int_at(5);
  if (rate_max > 0) {
    if (now >= window + interval) window = now, used = 0;
    limit = std::min(limit, rate_max - used);
    if (limit <= 0) {  // claimable again when the window ends
      tx.after_commit([this, queue, at = window + interval] { made_due(queue, at); });
      return out;
    }
  }
  if (limit <= 0) return out;

  SB_TRY(tx.exec("UPDATE jobs SET state = 'waiting' WHERE queue = $1 AND state = 'delayed' AND run_at_ms <= $2",
                 {queue, now}));
  std::string lease = random_lease();
  SB_ASSIGN(auto claimed, tx.query(claim_sql(tx.engine()), {lease, now, options.lease_ms, queue, limit}));
  out.reserve(claimed.size());
  for (auto& r : claimed) {
    out.push_back(Claimed{r.text_at(0), queue, r.text_at(1), static_cast<int>(r.int_at(2)), lease, r.int_at(3),
                          r.int_at(4), r.int_at(5)});
  }
  // RETURNING does not keep the subquery's order.
  std::sort(out.begin(), out.end(), [](const Claimed& a, const Claimed& b) {
    return a.priority != b.priority ? a.priority > b.priority : a.id < b.id;
  });
  if (rate_max > 0 && !out.empty())
    SB_TRY(tx.exec("UPDATE job_queues SET rate_window_ms = $1, rate_count = $2 WHERE name = $3",
                   {window, used + static_cast<int64_t>(out.size()), queue}));
  return out;
}

void Queue::Impl::observe_claimed(const std::vector<Claimed>& jobs, int64_t now) {
  if (!claimed || jobs.empty()) return;
  claimed->inc(static_cast<double>(jobs.size()));
  for (auto& j : jobs) start_latency->observe(static_cast<double>(std::max<int64_t>(0, now - j.ready_ms)) / 1000.0);
}

Result<std::vector<Claimed>> Queue::claim(std::string_view queue, const ClaimOptions& options) {
  SB_TRY(check_name(queue));
  std::vector<Claimed> out;
  std::string name(queue);
  SB_TRY(impl_->db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(out, impl_->claim_in(tx, name, options));
    return {};
  }));
  impl_->observe_claimed(out, impl_->clock.now_ms());
  return out;
}

void Queue::claim_async(std::string queue, ClaimOptions options, ClaimDone done) {
  if (Status st = check_name(queue); !st) return done(st);
  int64_t deadline = impl_->clock.steady_ms() + std::max<int64_t>(0, options.wait_ms);
  impl_->long_poll(std::move(queue), options, deadline, std::move(done));
}

void Queue::Impl::long_poll(std::string queue, ClaimOptions options, int64_t deadline, ClaimDone done) {
  uint64_t seen = waiters.generation(queue);
  auto result = std::make_shared<std::vector<Claimed>>();
  db.write_async(
      [this, queue, options, result](store::Tx& tx) -> Status {
        SB_ASSIGN(*result, claim_in(tx, queue, options));
        return {};
      },
      [this, queue, options, deadline, done = std::move(done), result, seen](Status s) mutable {
        if (!s) return done(s);
        if (!result->empty() || deadline <= clock.steady_ms()) {
          observe_claimed(*result, clock.now_ms());
          return done(std::move(*result));
        }
        auto resume = [this, queue, options, deadline, done](bool woken) {
          if (woken) long_poll(queue, options, deadline, done);
          else done(std::vector<Claimed>{});
        };
        if (!waiters.park(queue, seen, deadline, resume)) return resume(true);  // jobs came meanwhile
        std::lock_guard lock(timer_mu);
        timer_cv.notify_all();  // the timer answers this one at its deadline
      });
}

Status Queue::Impl::why_not_active(store::Tx& tx, const std::string& queue, std::string_view id) {
  SB_ASSIGN(auto rows, tx.query("SELECT state FROM jobs WHERE id = $1 AND queue = $2", {std::string(id), queue}));
  if (rows.empty()) return Status::not_found("no job " + std::string(id) + " in queue " + queue);
  if (rows[0].text_at(0) != "active")
    return Status::conflict("job " + std::string(id) + " is " + rows[0].text_at(0) + ", not active");
  return Status::conflict("the lease of job " + std::string(id) + " is no longer yours (it expired and the job " +
                          "was delivered again)");
}

Status Queue::Impl::ack_in(store::Tx& tx, const std::string& queue, const Ack& ack, int64_t now) {
  SB_ASSIGN(int64_t changed,
            tx.exec("UPDATE jobs SET state = 'completed', result = $1, lease = NULL, finished_ms = $2 "
                    "WHERE id = $3 AND queue = $4 AND state = 'active' AND lease = $5",
                    {ack.result.empty() ? store::Value(nullptr) : store::Value(ack.result), now, ack.id, queue,
                     ack.lease}));
  if (changed != 1) return why_not_active(tx, queue, ack.id);
  if (options.event_per_completion) {
    boost::json::object data{{"queue", queue}, {"id", ack.id}};
    SB_TRY(events.append(tx, kJobCompleted.make(clock, ack.id, data)).status());
  }
  if (completed) tx.after_commit([this] { completed->inc(); });
  return {};
}

std::vector<Status> Queue::ack(std::string_view queue, const std::vector<Ack>& acks) {
  std::promise<std::vector<Status>> p;
  auto f = p.get_future();
  ack_async(std::string(queue), acks, [&p](std::vector<Status> r) { p.set_value(std::move(r)); });
  return f.get();
}

Status Queue::ack(std::string_view queue, const Ack& one) { return ack(queue, std::vector<Ack>{one}).front(); }

void Queue::ack_async(std::string queue, std::vector<Ack> acks, AckDone done) {
  if (acks.empty()) return done({});
  if (Status st = check_name(queue); !st) return done(std::vector<Status>(acks.size(), st));
  const size_t n = acks.size();
  impl_->acker.submit(AckItem{std::move(queue), std::move(acks)}, n,
                      [n, done = std::move(done)](Result<std::vector<Status>> r) {
                        if (!r.ok()) return done(std::vector<Status>(n, r.status()));
                        done(std::move(*r));
                      });
}

Result<std::vector<Status>> Queue::Impl::ack_many_in(store::Tx& tx, const std::string& queue,
                                                     const std::vector<Ack>& acks, int64_t now) {
  std::vector<Status> out(acks.size());
  // Acks without a result from one claim share its lease: one statement per
  // up to 64 of them. RETURNING says which matched; the rest are looked at
  // one by one (unknown, not active, stale lease).
  std::map<std::string_view, std::vector<size_t>> by_lease;
  for (size_t i = 0; i < acks.size(); ++i) {
    if (acks[i].result.empty() && !options.event_per_completion) by_lease[acks[i].lease].push_back(i);
    else out[i] = ack_in(tx, queue, acks[i], now);
  }
  // A queue that keeps no completed jobs (keep_completed = 0) has them
  // deleted here, not updated now and deleted by retention later: one
  // change per job instead of three, and a table that does not outgrow a
  // retention pass under sustained load.
  bool keep_none = false;
  if (!by_lease.empty()) {
    SB_ASSIGN(auto settings, tx.query("SELECT keep_completed FROM job_queues WHERE name = $1", {queue}));
    keep_none = !settings.empty() && keep_completed(queue, settings[0].int_at(0)) == 0;
  }
  size_t done = 0;
  for (auto& [lease, idx] : by_lease) {
    for (size_t at = 0; at < idx.size();) {
      size_t n = std::min<size_t>(64, idx.size() - at);
      // A lease is set only while a job is active, so `lease = $2` already
      // means "active and ours". Naming the state too let PostgreSQL AND in
      // the partial jobs_active index, whose dead entries under churn cost
      // ~90 us per ack; without it only the primary key applies.
      std::string sql = keep_none ? "DELETE FROM jobs WHERE lease = $1 AND queue = $2 AND id IN ("
                                  : "UPDATE jobs SET state = 'completed', result = NULL, lease = NULL, finished_ms = $3 "
                                    "WHERE lease = $1 AND queue = $2 AND id IN (";
      store::Params params{std::string(lease), queue};
      if (!keep_none) params.emplace_back(now);
      for (size_t k = 0; k < n; ++k) {
        sql += (k ? ",$" : "$") + std::to_string(params.size() + 1);
        params.emplace_back(acks[idx[at + k]].id);
      }
      // SQLite answers RETURNING through a temporary b-tree per statement;
      // the row count says the same when every ack matched (the common
      // case), and only a group with a stale one is redone to learn which.
      if (tx.engine() == store::Engine::kSqlite) {
        SB_TRY(tx.exec("SAVEPOINT sb_ack").status());
        SB_ASSIGN(int64_t changed, tx.exec(sql + ")", params));
        if (changed == static_cast<int64_t>(n)) {
          SB_TRY(tx.exec("RELEASE sb_ack").status());
          done += n;
          at += n;
          continue;
        }
        SB_TRY(tx.exec("ROLLBACK TO sb_ack").status());
        SB_TRY(tx.exec("RELEASE sb_ack").status());
      }
      SB_ASSIGN(auto rows, tx.query(sql + ") RETURNING id", params));
      if (rows.size() != n) {
        std::set<std::string> matched;
        for (auto& r : rows) matched.insert(r.text_at(0));
        for (size_t k = 0; k < n; ++k)
          if (!matched.count(acks[idx[at + k]].id)) out[idx[at + k]] = why_not_active(tx, queue, acks[idx[at + k]].id);
      }
      done += rows.size();
      at += n;
    }
  }
  std::vector<events::Event> produced;
  for (const auto& a : acks)
    if (a.also) SB_TRY(a.also(tx, produced));
  if (!produced.empty()) SB_TRY(events.append(tx, std::move(produced)).status());
  if (completed && done) tx.after_commit([this, done] { completed->inc(static_cast<double>(done)); });
  return out;
}

Result<State> Queue::Impl::fail_in(store::Tx& tx, const std::string& queue, const std::string& id, int attempts,
                            int max_attempts, const std::string& backoff_type, int64_t backoff_ms,
                            int64_t backoff_max_ms, const std::string& errors, std::string_view message,
                            int64_t now) {
  std::string all_errors = append_error(errors, attempts, now, message);
  if (failed) tx.after_commit([this] { failed->inc(); });
  if (attempts >= max_attempts) {
    SB_TRY(tx.exec("UPDATE jobs SET state = 'dead', errors = $1, lease = NULL, finished_ms = $2 WHERE id = $3",
                   {all_errors, now, id}));
    boost::json::object data{{"queue", queue}, {"id", id}, {"attempts", attempts},
                             {"error", std::string(message.substr(0, 1024))}};
    SB_TRY(events.append(tx, kJobDead.make(clock, id, data)).status());
    if (dead) tx.after_commit([this] { dead->inc(); });
    return State::kDead;
  }
  int64_t delay = backoff_delay_ms(backoff_type, backoff_ms, backoff_max_ms, attempts);
  int64_t run_at = now + delay;
  SB_TRY(tx.exec("UPDATE jobs SET state = $1, run_at_ms = $2, errors = $3, lease = NULL WHERE id = $4",
                 {std::string(delay > 0 ? "delayed" : "waiting"), run_at, all_errors, id}));
  tx.after_commit([this, queue, delay, run_at] {
    if (delay > 0) made_due(queue, run_at);
    else made_ready(queue, 1);
  });
  return delay > 0 ? State::kDelayed : State::kWaiting;
}

Result<State> Queue::nack(std::string_view queue, std::string_view id, std::string_view lease,
                          std::string_view error) {
  SB_TRY(check_name(queue));
  std::string name(queue);
  State after = State::kWaiting;
  SB_TRY(impl_->db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT attempts, max_attempts, backoff_type, backoff_ms, backoff_max_ms, errors "
                                  "FROM jobs WHERE id = $1 AND queue = $2 AND state = 'active' AND lease = $3",
                                  {std::string(id), name, std::string(lease)}));
    if (rows.empty()) return impl_->why_not_active(tx, name, id);
    const store::Row& r = rows[0];
    SB_ASSIGN(after, impl_->fail_in(tx, name, std::string(id), static_cast<int>(r.int_at(0)),
                                    static_cast<int>(r.int_at(1)), r.text_at(2), r.int_at(3), r.int_at(4),
                                    r.text_at(5), error.empty() ? std::string_view("failed") : error,
                                    impl_->clock.now_ms()));
    return {};
  }));
  return after;
}

Result<int64_t> Queue::extend(std::string_view queue, std::string_view id, std::string_view lease, int64_t lease_ms) {
  SB_TRY(check_name(queue));
  if (lease_ms < 100 || lease_ms > 86'400'000) return Status::invalid("lease_ms", "must be 100 ms to one day");
  std::string name(queue);
  int64_t until = impl_->clock.now_ms() + lease_ms;
  SB_TRY(impl_->db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t changed, tx.exec("UPDATE jobs SET lease_until_ms = $1 WHERE id = $2 AND queue = $3 AND "
                                       "state = 'active' AND lease = $4",
                                       {until, std::string(id), name, std::string(lease)}));
    if (changed != 1) return impl_->why_not_active(tx, name, id);
    return {};
  }));
  return until;
}

Status Queue::progress(std::string_view queue, std::string_view id, std::string_view lease, std::string_view json) {
  SB_TRY(check_name(queue));
  if (json.size() > 16 * 1024) return Status::invalid("progress", "larger than 16384 bytes");
  std::string name(queue);
  return impl_->db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t changed, tx.exec("UPDATE jobs SET progress = $1 WHERE id = $2 AND queue = $3 AND "
                                       "state = 'active' AND lease = $4",
                                       {std::string(json), std::string(id), name, std::string(lease)}));
    if (changed != 1) return impl_->why_not_active(tx, name, id);
    return {};
  });
}

}  // namespace sb::jobs
