// jobs::Queue: construction, names, and the producer side (enqueue).
#include "jobs/queue.h"

#include <algorithm>
#include <cmath>
#include <future>
#include <random>
#include <unordered_map>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/json.h"
#include "events/event_log.h"
#include "jobs/queue_impl.h"

namespace sb::jobs {

namespace {
constexpr size_t kMaxCoalesced = 2048;  // jobs per coalesced enqueue write
constexpr size_t kInsertChunks[] = {64, 16, 4, 1};

size_t chunk_for(size_t remaining) {
  for (size_t c : kInsertChunks)
    if (remaining >= c) return c;
  return 1;
}

const std::string& insert_sql(size_t rows) {
  static const std::map<size_t, std::string> all = [] {
    std::map<size_t, std::string> m;
    for (size_t c : kInsertChunks) {
      std::string sql =
          std::string("INSERT INTO jobs (") + kJobInsertColumns + ") VALUES ";
      int p = 1;
      for (size_t r = 0; r < c; ++r) {
        sql += r ? ",(" : "(";
        for (int k = 0; k < kJobInsertColumnCount; ++k) sql += (k ? ",$" : "$") + std::to_string(p++);
        sql += ')';
      }
      // Only a dedup key can conflict (ids are fresh UUIDv7s).
      m[c] = sql + " ON CONFLICT DO NOTHING";
    }
    return m;
  }();
  return all.at(rows);
}

std::string_view backoff_name(Backoff::Type t) { return t == Backoff::Type::kFixed ? "fixed" : "exponential"; }

Status check_job(const NewJob& j, size_t max_payload, const std::string& at) {
  std::vector<FieldError> errs;
  if (j.payload.size() > max_payload)
    errs.push_back({at + "payload", "larger than " + std::to_string(max_payload) + " bytes"});
  if (j.priority < -1'000'000'000 || j.priority > 1'000'000'000)
    errs.push_back({at + "priority", "must be between -1000000000 and 1000000000"});
  if (j.delay_ms < 0 || j.delay_ms > 366LL * 86'400'000) errs.push_back({at + "delay_ms", "must be 0 to one year"});
  if (j.run_at_ms < 0) errs.push_back({at + "run_at", "must not be before 1970"});
  if (j.max_attempts < 1 || j.max_attempts > 1000) errs.push_back({at + "max_attempts", "must be 1 to 1000"});
  if (j.backoff.delay_ms < 0 || j.backoff.delay_ms > 86'400'000)
    errs.push_back({at + "backoff/delay_ms", "must be 0 to one day"});
  if (j.backoff.max_ms < 0) errs.push_back({at + "backoff/max_ms", "must not be negative"});
  if (j.dedup_key.size() > 256) errs.push_back({at + "dedup_key", "longer than 256 bytes"});
  if (j.lease_ms != 0 && (j.lease_ms < 100 || j.lease_ms > 86'400'000))
    errs.push_back({at + "timeout_ms", "must be 100 ms to one day"});
  if (errs.empty()) return {};
  return Status::invalid(std::move(errs));
}
}  // namespace

namespace {
// The queue name, then each job; a batch's errors name "/<i>/<field>".
Status check_jobs(std::string_view queue, const std::vector<NewJob>& jobs, size_t max_payload) {
  SB_TRY(Queue::check_name(queue));
  for (size_t i = 0; i < jobs.size(); ++i)
    SB_TRY(check_job(jobs[i], max_payload, jobs.size() > 1 ? "/" + std::to_string(i) + "/" : "/"));
  return {};
}
}  // namespace

std::string_view state_name(State s) {
  switch (s) {
    case State::kWaiting: return "waiting";
    case State::kDelayed: return "delayed";
    case State::kActive: return "active";
    case State::kCompleted: return "completed";
    case State::kDead: return "dead";
    case State::kCancelled: return "cancelled";
  }
  return "waiting";
}

std::optional<State> parse_state(std::string_view name) {
  for (State s : {State::kWaiting, State::kDelayed, State::kActive, State::kCompleted, State::kDead, State::kCancelled})
    if (state_name(s) == name) return s;
  return std::nullopt;
}

Status Queue::check_name(std::string_view q) {
  if (q.empty() || q.size() > 64) return Status::invalid("queue", "must be 1 to 64 characters");
  auto ok = [](char c, bool first) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    return alnum || (!first && (c == '.' || c == '_' || c == ':' || c == '-'));
  };
  for (size_t i = 0; i < q.size(); ++i)
    if (!ok(q[i], i == 0))
      return Status::invalid("queue", "may hold letters, digits and . _ : - (starting with a letter or digit)");
  return {};
}

int64_t backoff_delay_ms(const std::string& type, int64_t base_ms, int64_t max_ms, int attempt) {
  if (type == "fixed") return std::min(base_ms, max_ms);
  // Full jitter (a uniform pick below the exponential cap) spreads the
  // retries of jobs that failed together, e.g. when a provider was down.
  double cap = static_cast<double>(base_ms) * std::pow(2.0, std::max(0, attempt - 1));
  int64_t ceiling = static_cast<int64_t>(std::min(cap, static_cast<double>(max_ms)));
  if (ceiling <= 0) return 0;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_int_distribution<int64_t>(0, ceiling)(rng);
}

std::string random_lease() { return crypto::hex_encode(crypto::random_bytes(12)); }

std::string append_error(const std::string& errors_json, int attempt, int64_t time_ms, std::string_view message) {
  std::string entry = "{\"attempt\":" + std::to_string(attempt) + ",\"time_ms\":" + std::to_string(time_ms) +
                      ",\"message\":";
  json::append_quoted(entry, message.substr(0, 4096));
  entry += '}';
  if (errors_json.size() < 2) return "[" + entry + "]";
  return errors_json.substr(0, errors_json.size() - 1) + "," + entry + "]";
}

Queue::Impl::Impl(store::Db& db_, events::EventLog& events_, const Clock& clock_, QueueOptions options_,
                  metrics::Registry* metrics)
    : db(db_),
      events(events_),
      clock(clock_),
      options(options_),
      enqueuer(
          db_,
          [this](store::Tx& tx, std::vector<EnqueueItem*>& items) -> Result<std::vector<Enqueued>> {
            std::vector<Enqueued> out;
            for (auto* item : items) {
              SB_ASSIGN(auto some, insert(tx, item->queue, item->jobs));
              out.insert(out.end(), std::make_move_iterator(some.begin()), std::make_move_iterator(some.end()));
            }
            return out;
          },
          store::CoalescingOptions{kMaxCoalesced, 8, std::chrono::microseconds(300)}),
      acker(
          db_,
          [this](store::Tx& tx, std::vector<AckItem*>& items) -> Result<std::vector<Status>> {
            std::vector<Status> out;
            out.reserve(items.size());
            int64_t now = clock.now_ms();
            for (auto* item : items) {
              SB_ASSIGN(auto some, ack_many_in(tx, item->queue, item->acks, now));
              for (auto& st : some) out.push_back(std::move(st));
            }
            return out;
          },
          store::CoalescingOptions{kMaxCoalesced, 8, std::chrono::microseconds(200)}) {
  if (metrics) {
    enqueued = &metrics->counter("sb_jobs_enqueued_total", "Jobs enqueued (dedup hits not counted).");
    claimed = &metrics->counter("sb_jobs_claimed_total", "Job deliveries to workers.");
    completed = &metrics->counter("sb_jobs_completed_total", "Jobs acknowledged as done.");
    failed = &metrics->counter("sb_jobs_failed_total", "Failed attempts (nack or expired lease).");
    dead = &metrics->counter("sb_jobs_dead_total", "Jobs that used their last attempt.");
    expired = &metrics->counter("sb_jobs_lease_expired_total", "Leases that ended without ack or nack.");
    handed_over = &metrics->counter("sb_jobs_handed_over_total",
                                    "Jobs claimed for a local in-process worker inside their enqueue's transaction.");
    start_latency = &metrics->histogram("sb_jobs_start_latency_seconds",
                                        "From claimable (enqueued, or its run_at) to claimed.");
    metrics->gauge_fn("sb_jobs_depth", "Jobs per queue and state (read at scrape).",
                      [this](std::vector<std::pair<metrics::Labels, double>>& out) {
                        std::vector<std::string> names;
                        {
                          std::lock_guard lock(mu);
                          names.assign(known_queues.begin(), known_queues.end());
                        }
                        for (auto& name : names) {
                          auto counts = count(name);
                          if (!counts.ok()) continue;
                          const Counts& c = *counts;
                          for (auto [state, n] : {std::pair{"waiting", c.waiting}, {"delayed", c.delayed},
                                                  {"active", c.active}, {"completed", c.completed},
                                                  {"dead", c.dead}})
                            out.push_back({{{"queue", name}, {"state", state}}, static_cast<double>(n)});
                        }
                      });
  }
}

Status Queue::Impl::ensure_queue(store::Tx& tx, const std::string& queue, int64_t now) {
  {
    std::lock_guard lock(mu);
    if (known_queues.count(queue)) return {};
  }
  SB_TRY(tx.exec("INSERT INTO job_queues (name, created_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING", {queue, now}));
  tx.after_commit([this, queue] {
    std::lock_guard lock(mu);
    known_queues.insert(queue);
  });
  return {};
}

void append_job_params(store::Params& p, const std::string& id, const std::string& queue, const NewJob& j,
                       const char* state, int64_t run_at, int64_t now) {
  p.emplace_back(id);
  p.emplace_back(queue);
  p.emplace_back(std::string(state));
  p.emplace_back(j.priority);
  p.emplace_back(run_at);
  p.emplace_back(j.payload);
  p.emplace_back(static_cast<int64_t>(j.max_attempts));
  p.emplace_back(std::string(backoff_name(j.backoff.type)));
  p.emplace_back(j.backoff.delay_ms);
  p.emplace_back(j.backoff.max_ms);
  p.emplace_back(j.lease_ms);
  p.emplace_back(j.dedup_key.empty() ? store::Value(nullptr) : store::Value(j.dedup_key));
  p.emplace_back(now);
}

Result<std::vector<Enqueued>> Queue::Impl::insert(store::Tx& tx, const std::string& queue, std::vector<NewJob>& jobs) {
  std::vector<Enqueued> out(jobs.size());
  if (jobs.empty()) return out;
  int64_t now = clock.now_ms();
  SB_TRY(ensure_queue(tx, queue, now));

  // A repeated dedup key within this call is the first one's job.
  std::unordered_map<std::string_view, size_t> first_key;
  std::vector<size_t> plain, keyed, repeat;
  for (size_t i = 0; i < jobs.size(); ++i) {
    out[i].id = new_uuid_v7(clock);
    if (jobs[i].dedup_key.empty()) plain.push_back(i);
    else if (first_key.try_emplace(jobs[i].dedup_key, i).second) keyed.push_back(i);
    else repeat.push_back(i);
  }
  auto add_params = [&](store::Params& p, size_t i) {
    const NewJob& j = jobs[i];
    int64_t run_at = j.run_at_ms ? j.run_at_ms : now + j.delay_ms;
    append_job_params(p, out[i].id, queue, j, run_at > now ? "delayed" : "waiting", std::max(run_at, now), now);
  };
  // A local worker with room takes ready jobs in this same transaction (one
  // commit from enqueue to start): inserted active when nothing a claim
  // would prefer is waiting (hand_over.cpp), else claimed after the insert
  // (with the queue's pause, limits and priority order).
  auto is_ready = [&](size_t i) { return (jobs[i].run_at_ms ? jobs[i].run_at_ms : now + jobs[i].delay_ms) <= now; };
  std::shared_ptr<Taker> taker;
  ClaimOptions want;
  if (std::any_of(jobs.begin(), jobs.end(), [&](const NewJob& j) { return is_ready(&j - jobs.data()); })) {
    std::vector<std::shared_ptr<Taker>> local;
    {
      std::lock_guard lock(mu);
      if (auto it = takers.find(queue); it != takers.end() && !it->second.empty()) {
        local = it->second;
        std::rotate(it->second.begin(), it->second.begin() + 1, it->second.end());  // take turns
      }
    }
    for (auto& t : local) {
      want = t->wants();
      if (want.max > 0) {
        taker = t;
        break;
      }
    }
  }
  std::vector<Claimed> handed;
  if (taker) {
    std::vector<size_t> direct;
    for (size_t i : plain)
      if (is_ready(i)) direct.push_back(i);
    if (!direct.empty()) {
      SB_ASSIGN(bool may, may_hand_over_new(tx, queue, now));
      if (may) {
        std::stable_sort(direct.begin(), direct.end(),
                         [&](size_t a, size_t b) { return jobs[a].priority > jobs[b].priority; });
        if (direct.size() > static_cast<size_t>(want.max)) direct.resize(static_cast<size_t>(want.max));
        SB_ASSIGN(handed, insert_active(tx, queue, jobs, out, direct, want, now));
        std::vector<char> taken(jobs.size(), 0);
        for (size_t i : direct) taken[i] = 1;
        plain.erase(std::remove_if(plain.begin(), plain.end(), [&](size_t i) { return taken[i] != 0; }), plain.end());
      }
    }
  }
  // Jobs without a key cannot conflict: several rows per statement.
  for (size_t at = 0; at < plain.size();) {
    size_t n = chunk_for(plain.size() - at);
    store::Params p;
    p.reserve(n * kJobInsertColumnCount);
    for (size_t k = 0; k < n; ++k) add_params(p, plain[at + k]);
    SB_TRY(tx.exec(insert_sql(n), p));
    at += n;
  }
  // A keyed job that did not go in met an unfinished one with its key.
  for (size_t i : keyed) {
    store::Params p;
    add_params(p, i);
    SB_ASSIGN(int64_t changed, tx.exec(insert_sql(1), p));
    if (changed == 1) continue;
    SB_ASSIGN(auto rows, tx.query("SELECT id FROM jobs WHERE queue = $1 AND dedup_key = $2 AND state IN "
                                  "('waiting', 'delayed', 'active')",
                                  {queue, jobs[i].dedup_key}));
    if (rows.empty()) return Status::unavailable("dedup key " + jobs[i].dedup_key + " is changing; retry");
    out[i] = {rows[0].text_at(0), true};
  }
  for (size_t i : repeat) out[i] = {out[first_key[jobs[i].dedup_key]].id, true};

  size_t ready = 0, fresh = 0;
  int64_t earliest_due = INT64_MAX;
  for (size_t i = 0; i < jobs.size(); ++i) {
    if (out[i].duplicate) continue;
    ++fresh;
    int64_t run_at = jobs[i].run_at_ms ? jobs[i].run_at_ms : now + jobs[i].delay_ms;
    if (run_at > now) earliest_due = std::min(earliest_due, run_at);
    else ++ready;
  }
  const bool had_ready = ready > 0;
  if (taker && handed.empty() && had_ready) {
    SB_ASSIGN(handed, claim_in(tx, queue, want));
  }
  if (!handed.empty()) {
    ready -= std::min(ready, handed.size());
    tx.after_commit([this, taker, handed = std::move(handed)]() mutable {
      if (handed_over) handed_over->inc(static_cast<double>(handed.size()));
      observe_claimed(handed, clock.now_ms());
      taker->give(std::move(handed));
    });
  }
  if (fresh > 0) {
    tx.after_commit([this, queue, had_ready, ready, fresh, earliest_due] {
      if (enqueued) enqueued->inc(static_cast<double>(fresh));
      // Nothing left for anyone when a local worker took it all (waking
      // dispatchers then would only cost an empty claim's commit).
      if (had_ready && ready > 0) made_ready(queue, ready);
      if (earliest_due != INT64_MAX) made_due(queue, earliest_due);
    });
  }
  return out;
}

void Queue::Impl::made_ready(const std::string& queue, size_t n) { waiters.notify(queue, n); }

size_t Queue::local_workers(std::string_view queue) {
  std::lock_guard lock(impl_->mu);
  auto it = impl_->takers.find(std::string(queue));
  return it == impl_->takers.end() ? 0 : it->second.size();
}

void Queue::Impl::park_taker(const std::string& queue, std::shared_ptr<Taker> taker) {
  std::lock_guard lock(mu);
  auto& v = takers[queue];
  if (std::find(v.begin(), v.end(), taker) == v.end()) v.push_back(std::move(taker));
}

void Queue::Impl::unpark_taker(const std::string& queue, const Taker* taker) {
  std::lock_guard lock(mu);
  auto it = takers.find(queue);
  if (it == takers.end()) return;
  auto& v = it->second;
  v.erase(std::remove_if(v.begin(), v.end(), [&](auto& t) { return t.get() == taker; }), v.end());
}

void Queue::Impl::release(const std::string& queue, const std::string& lease) {
  db.write_async(
      [this, queue, lease](store::Tx& tx) -> Status {
        SB_ASSIGN(int64_t n, tx.exec("UPDATE jobs SET state = 'waiting', attempts = attempts - 1, lease = NULL "
                                     "WHERE lease = $1 AND queue = $2",
                                     {lease, queue}));
        if (n > 0) tx.after_commit([this, queue, n] { made_ready(queue, static_cast<size_t>(n)); });
        return {};
      },
      [](Status) {});
}

void Queue::Impl::made_due(const std::string& queue, int64_t due_ms) {
  {
    std::lock_guard lock(mu);
    auto [it, inserted] = due.try_emplace(queue, due_ms);
    if (!inserted && due_ms >= it->second) return;
    it->second = due_ms;
  }
  std::lock_guard lock(timer_mu);
  timer_cv.notify_all();  // the timer may now have an earlier wake-up
}

Queue::Queue(store::Db& db, events::EventLog& events, const Clock& clock, QueueOptions options,
             metrics::Registry* metrics)
    : impl_(std::make_unique<Impl>(db, events, clock, options, metrics)) {
  impl_->owner = this;
}

Queue::~Queue() { stop(); }

Result<std::vector<Enqueued>> Queue::enqueue(store::Tx& tx, std::string_view queue, std::vector<NewJob> jobs) {
  SB_TRY(check_jobs(queue, jobs, impl_->options.max_payload_bytes));
  return impl_->insert(tx, std::string(queue), jobs);
}

void Queue::enqueue_async(std::string queue, std::vector<NewJob> jobs, EnqueueDone done) {
  if (Status st = check_jobs(queue, jobs, impl_->options.max_payload_bytes); !st) return done(st);
  if (jobs.empty()) return done(std::vector<Enqueued>{});
  size_t n = jobs.size();
  impl_->enqueuer.submit(EnqueueItem{std::move(queue), std::move(jobs)}, n, std::move(done));
}

Result<std::vector<Enqueued>> Queue::enqueue(std::string_view queue, std::vector<NewJob> jobs) {
  std::promise<Result<std::vector<Enqueued>>> p;
  auto f = p.get_future();
  enqueue_async(std::string(queue), std::move(jobs),
                [&p](Result<std::vector<Enqueued>> r) { p.set_value(std::move(r)); });
  return f.get();
}

}  // namespace sb::jobs
