// jobs::Queue, the operator side: inspect, list, retry, cancel, pause,
// resume, settings, counts.
#include <boost/json.hpp>

#include "core/json.h"
#include "events/event_log.h"
#include "jobs/job_events.h"
#include "jobs/queue_impl.h"

namespace sb::jobs {

namespace {
constexpr const char* kJobColumns =
    "id, queue, state, priority, attempts, max_attempts, payload, result, progress, errors, dedup_key, "
    "created_ms, run_at_ms, started_ms, finished_ms, lease_until_ms";

JobInfo job_from(const store::Row& r) {
  JobInfo j;
  j.id = r.text_at(0);
  j.queue = r.text_at(1);
  j.state = parse_state(r.text_at(2)).value_or(State::kWaiting);
  j.priority = r.int_at(3);
  j.attempts = static_cast<int>(r.int_at(4));
  j.max_attempts = static_cast<int>(r.int_at(5));
  j.payload = r.text_at(6);
  j.result = r.text_at(7);
  j.progress = r.text_at(8);
  if (auto errs = json::parse(r.text_at(9)); errs.ok() && errs->is_array()) {
    for (auto& e : errs->as_array()) {
      if (!e.is_object()) continue;
      auto& o = e.as_object();
      JobError err;
      if (auto* a = o.if_contains("attempt"); a && a->is_int64()) err.attempt = static_cast<int>(a->as_int64());
      if (auto* t = o.if_contains("time_ms"); t && t->is_int64()) err.time_ms = t->as_int64();
      if (auto* m = o.if_contains("message"); m && m->is_string()) err.message = std::string(m->as_string());
      j.errors.push_back(std::move(err));
    }
  }
  j.dedup_key = r.text_at(10);
  j.created_ms = r.int_at(11);
  j.run_at_ms = r.int_at(12);
  j.started_ms = r.int_at(13);
  j.finished_ms = r.int_at(14);
  j.lease_until_ms = r.int_at(15);
  return j;
}

Status append_queue_event(events::EventLog& log, store::Tx& tx, const Clock& clock, const events::EventType& type,
                          const std::string& queue, boost::json::object data = {}) {
  data["queue"] = queue;
  return log.append(tx, type.make(clock, queue, data)).status();
}
}  // namespace

Result<JobInfo> Queue::get(std::string_view queue, std::string_view id) {
  SB_TRY(check_name(queue));
  JobInfo out;
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query(std::string("SELECT ") + kJobColumns + " FROM jobs WHERE id = $1 AND queue = $2",
                                  {std::string(id), std::string(queue)}));
    if (rows.empty()) return Status::not_found("no job " + std::string(id) + " in queue " + std::string(queue));
    out = job_from(rows[0]);
    return {};
  }));
  return out;
}

Result<std::vector<JobInfo>> Queue::list(std::string_view queue, std::optional<State> state, int limit,
                                         std::string_view before) {
  SB_TRY(check_name(queue));
  if (limit < 1 || limit > 1000) return Status::invalid("limit", "must be 1 to 1000");
  std::string sql = std::string("SELECT ") + kJobColumns + " FROM jobs WHERE queue = $1";
  store::Params params{std::string(queue)};
  if (state) {
    params.emplace_back(std::string(state_name(*state)));
    sql += " AND state = $2";
  }
  if (!before.empty()) {
    params.emplace_back(std::string(before));
    sql += " AND id < $" + std::to_string(params.size());
  }
  params.emplace_back(static_cast<int64_t>(limit));
  sql += " ORDER BY id DESC LIMIT $" + std::to_string(params.size());
  std::vector<JobInfo> out;
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query(sql, params));
    for (auto& r : rows) out.push_back(job_from(r));
    return {};
  }));
  return out;
}

Status Queue::retry(std::string_view queue, std::string_view id) {
  SB_TRY(check_name(queue));
  std::string name(queue), job(id);
  return impl_->db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT state, dedup_key FROM jobs WHERE id = $1 AND queue = $2", {job, name}));
    if (rows.empty()) return Status::not_found("no job " + job + " in queue " + name);
    std::string state = rows[0].text_at(0);
    if (state != "dead" && state != "cancelled")
      return Status::conflict("job " + job + " is " + state + "; only dead or cancelled jobs can be retried");
    if (!rows[0].is_null(1)) {
      SB_ASSIGN(auto live, tx.query("SELECT id FROM jobs WHERE queue = $1 AND dedup_key = $2 AND state IN "
                                    "('waiting', 'delayed', 'active')",
                                    {name, rows[0].text_at(1)}));
      if (!live.empty())
        return Status::conflict("job " + live[0].text_at(0) + " with the same dedup key is not finished");
    }
    int64_t now = impl_->clock.now_ms();
    SB_TRY(tx.exec("UPDATE jobs SET state = 'waiting', attempts = 0, run_at_ms = $1, finished_ms = 0 WHERE id = $2",
                   {now, job}));
    SB_TRY(impl_->events.append(tx, kJobRetried.make(impl_->clock, job, {{"queue", name}, {"id", job}})).status());
    tx.after_commit([this, name] { impl_->made_ready(name, 1); });
    return {};
  });
}

Status Queue::cancel(std::string_view queue, std::string_view id) {
  SB_TRY(check_name(queue));
  std::string name(queue), job(id);
  return impl_->db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t changed,
              tx.exec("UPDATE jobs SET state = 'cancelled', finished_ms = $1 WHERE id = $2 AND queue = $3 AND "
                      "state IN ('waiting', 'delayed')",
                      {impl_->clock.now_ms(), job, name}));
    if (changed != 1) {
      SB_ASSIGN(auto rows, tx.query("SELECT state FROM jobs WHERE id = $1 AND queue = $2", {job, name}));
      if (rows.empty()) return Status::not_found("no job " + job + " in queue " + name);
      return Status::conflict("job " + job + " is " + rows[0].text_at(0) + "; only waiting or delayed jobs can be "
                              "cancelled");
    }
    return impl_->events.append(tx, kJobCancelled.make(impl_->clock, job, {{"queue", name}, {"id", job}})).status();
  });
}

namespace {
Status set_paused(Queue::Impl& impl, std::string_view queue, bool paused) {
  SB_TRY(Queue::check_name(queue));
  std::string name(queue);
  return impl.db.write([&](store::Tx& tx) -> Status {
    int64_t now = impl.clock.now_ms();
    SB_TRY(impl.ensure_queue(tx, name, now));
    SB_ASSIGN(int64_t changed, tx.exec("UPDATE job_queues SET paused = $1 WHERE name = $2 AND paused <> $1",
                                       {static_cast<int64_t>(paused), name}));
    if (changed == 0) return {};  // already so: no event
    SB_TRY(append_queue_event(impl.events, tx, impl.clock, paused ? kQueuePaused : kQueueResumed, name));
    if (!paused) tx.after_commit([&impl, name] { impl.made_ready(name, SIZE_MAX); });
    return {};
  });
}
}  // namespace

Status Queue::pause(std::string_view queue) { return set_paused(*impl_, queue, true); }
Status Queue::resume(std::string_view queue) { return set_paused(*impl_, queue, false); }

Status Queue::configure(std::string_view queue, const QueueSettings& s) {
  SB_TRY(check_name(queue));
  std::vector<FieldError> errs;
  if (s.concurrency < 0) errs.push_back({"concurrency", "must be 0 (no limit) or more"});
  if (s.rate_max < 0) errs.push_back({"rate/max", "must be 0 (no limit) or more"});
  if (s.rate_interval_ms < 1 || s.rate_interval_ms > 86'400'000)
    errs.push_back({"rate/interval_ms", "must be 1 ms to one day"});
  if (s.keep_completed < -1) errs.push_back({"keep_completed", "must be -1 (default) or more"});
  if (s.keep_completed_ms < -1) errs.push_back({"keep_completed_ms", "must be -1 (default) or more"});
  if (!errs.empty()) return Status::invalid(std::move(errs));
  std::string name(queue);
  return impl_->db.write([&](store::Tx& tx) -> Status {
    int64_t now = impl_->clock.now_ms();
    SB_TRY(impl_->ensure_queue(tx, name, now));
    SB_TRY(tx.exec("UPDATE job_queues SET concurrency = $1, rate_max = $2, rate_interval_ms = $3, "
                   "keep_completed = $4, keep_completed_ms = $5, paused = $6 WHERE name = $7",
                   {s.concurrency, s.rate_max, s.rate_interval_ms, s.keep_completed, s.keep_completed_ms,
                    static_cast<int64_t>(s.paused), name}));
    boost::json::object data{{"concurrency", s.concurrency},
                             {"rate_max", s.rate_max},
                             {"rate_interval_ms", s.rate_interval_ms},
                             {"keep_completed", s.keep_completed},
                             {"keep_completed_ms", s.keep_completed_ms},
                             {"paused", s.paused}};
    SB_TRY(append_queue_event(impl_->events, tx, impl_->clock, kQueueConfigured, name, std::move(data)));
    tx.after_commit([this, name] { impl_->made_ready(name, SIZE_MAX); });
    return {};
  });
}

Result<Counts> Queue::Impl::count(const std::string& queue) {
  Counts c;
  SB_TRY(db.read([&](store::Tx& tx) -> Status {
    int64_t now = clock.now_ms();
    // One statement per state so each reads its own partial index.
    auto one = [&](const char* state, int64_t& out) -> Status {
      SB_ASSIGN(auto r, tx.query(std::string("SELECT COUNT(*) FROM jobs WHERE queue = $1 AND state = '") + state + "'",
                                 {queue}));
      out = r[0].int_at(0);
      return {};
    };
    SB_TRY(one("waiting", c.waiting));
    SB_TRY(one("delayed", c.delayed));
    SB_TRY(one("active", c.active));
    SB_TRY(one("completed", c.completed));
    SB_TRY(one("dead", c.dead));
    SB_TRY(one("cancelled", c.cancelled));
    // Delayed jobs whose time came are ready; the next claim promotes them.
    SB_ASSIGN(auto due, tx.query("SELECT COUNT(*) FROM jobs WHERE queue = $1 AND state = 'delayed' AND "
                                 "run_at_ms <= $2",
                                 {queue, now}));
    c.waiting += due[0].int_at(0);
    c.delayed -= due[0].int_at(0);
    return {};
  }));
  return c;
}

Result<QueueInfo> Queue::info(std::string_view queue) {
  SB_TRY(check_name(queue));
  QueueInfo info;
  info.name = std::string(queue);
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT paused, concurrency, rate_max, rate_interval_ms, keep_completed, "
                                  "keep_completed_ms FROM job_queues WHERE name = $1",
                                  {info.name}));
    if (rows.empty()) return {};  // never used: empty and running
    auto& r = rows[0];
    info.settings = {r.int_at(0) != 0, r.int_at(1), r.int_at(2), r.int_at(3), r.int_at(4), r.int_at(5)};
    return {};
  }));
  SB_ASSIGN(info.counts, impl_->count(info.name));
  return info;
}

Result<std::vector<QueueInfo>> Queue::queues() {
  std::vector<std::string> names;
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT name FROM job_queues ORDER BY name"));
    for (auto& r : rows) names.push_back(r.text_at(0));
    return {};
  }));
  std::vector<QueueInfo> out;
  for (auto& n : names) {
    SB_ASSIGN(auto info, this->info(n));
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace sb::jobs
