// Repeatable jobs: a schedule row per (queue, name); every instance's tick()
// looks for due rows, and the one whose compare-and-set moves next_run_ms
// forward enqueues that tick's job in the same transaction (its dedup key
// names the tick, so even a retried transaction adds it once).
#include <boost/json.hpp>

#include "core/json.h"
#include "core/log.h"
#include "events/event_log.h"
#include "jobs/cron.h"
#include "jobs/job_events.h"
#include "jobs/queue_impl.h"

namespace sb::jobs {

namespace {
std::string template_json(const NewJob& j) {
  std::string out = "{\"payload\":" + (j.payload.empty() ? std::string("{}") : j.payload);
  out += ",\"priority\":" + std::to_string(j.priority);
  out += ",\"max_attempts\":" + std::to_string(j.max_attempts);
  out += ",\"backoff\":{\"type\":\"";
  out += j.backoff.type == Backoff::Type::kFixed ? "fixed" : "exponential";
  out += "\",\"delay_ms\":" + std::to_string(j.backoff.delay_ms) + ",\"max_ms\":" + std::to_string(j.backoff.max_ms);
  out += "},\"lease_ms\":" + std::to_string(j.lease_ms) + "}";
  return out;
}

NewJob job_from_template(const std::string& text) {
  NewJob j;
  auto v = json::parse(text);
  if (!v.ok() || !v->is_object()) return j;
  auto& o = v->as_object();
  if (auto* p = o.if_contains("payload")) j.payload = json::serialize(*p);
  auto num = [&](const boost::json::object& obj, const char* key, int64_t& out) {
    if (auto* x = obj.if_contains(key); x && x->is_int64()) out = x->as_int64();
  };
  num(o, "priority", j.priority);
  int64_t attempts = j.max_attempts;
  num(o, "max_attempts", attempts);
  j.max_attempts = static_cast<int>(attempts);
  num(o, "lease_ms", j.lease_ms);
  if (auto* b = o.if_contains("backoff"); b && b->is_object()) {
    auto& bo = b->as_object();
    if (auto* t = bo.if_contains("type"); t && t->is_string() && t->as_string() == "fixed")
      j.backoff.type = Backoff::Type::kFixed;
    num(bo, "delay_ms", j.backoff.delay_ms);
    num(bo, "max_ms", j.backoff.max_ms);
  }
  return j;
}

// The first tick after `now`: missed ticks (every instance was down) are not
// made up one by one; the next run is the next one due from now.
Result<int64_t> next_tick(const std::string& cron, const std::string& tz, int64_t every_ms, int64_t prev,
                          int64_t now) {
  if (every_ms > 0) {
    int64_t from = std::max(prev, now);
    return prev + ((from - prev) / every_ms + 1) * every_ms;
  }
  SB_ASSIGN(auto expr, CronExpression::parse(cron));
  return expr.next_after(now, tz);
}

Schedule schedule_from(const store::Row& r) {
  Schedule s;
  s.queue = r.text_at(0);
  s.name = r.text_at(1);
  s.cron = r.text_at(2);
  s.tz = r.text_at(3);
  s.every_ms = r.int_at(4);
  s.job = job_from_template(r.text_at(5));
  s.next_run_ms = r.int_at(6);
  return s;
}
}  // namespace

Status Queue::add_schedule(Schedule s) {
  SB_TRY(check_name(s.queue));
  std::vector<FieldError> errs;
  if (s.name.empty() || s.name.size() > 128) errs.push_back({"name", "must be 1 to 128 characters"});
  if (s.cron.empty() == (s.every_ms == 0)) errs.push_back({"cron", "give either cron or every_ms"});
  if (s.every_ms < 0 || (s.every_ms > 0 && s.every_ms < 1000))
    errs.push_back({"every_ms", "must be at least 1000"});
  if (!s.cron.empty()) {
    if (auto e = CronExpression::parse(s.cron); !e.ok()) errs.push_back({"cron", e.status().message()});
    if (Status tz = check_time_zone(s.tz); !tz) errs.push_back({"tz", tz.message()});
  }
  if (s.job.payload.size() > impl_->options.max_payload_bytes) errs.push_back({"payload", "too large"});
  if (!errs.empty()) return Status::invalid(std::move(errs));
  int64_t now = impl_->clock.now_ms();
  SB_ASSIGN(int64_t next, next_tick(s.cron, s.tz, s.every_ms, now, now));
  return impl_->db.write([&](store::Tx& tx) -> Status {
    SB_TRY(impl_->ensure_queue(tx, s.queue, now));
    SB_TRY(tx.exec("INSERT INTO job_schedules (queue, name, cron, tz, every_ms, job, next_run_ms, created_ms) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (queue, name) DO UPDATE SET "
                   "cron = excluded.cron, tz = excluded.tz, every_ms = excluded.every_ms, job = excluded.job, "
                   "next_run_ms = excluded.next_run_ms",
                   {s.queue, s.name, s.cron, s.tz, s.every_ms, template_json(s.job), next, now}));
    boost::json::object data{{"queue", s.queue}, {"name", s.name}, {"cron", s.cron}, {"every_ms", s.every_ms}};
    return impl_->events.append(tx, kScheduleChanged.make(impl_->clock, s.queue + "/" + s.name, data)).status();
  });
}

Status Queue::remove_schedule(std::string_view queue, std::string_view name) {
  SB_TRY(check_name(queue));
  std::string q(queue), n(name);
  return impl_->db.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t changed, tx.exec("DELETE FROM job_schedules WHERE queue = $1 AND name = $2", {q, n}));
    if (changed == 0) return Status::not_found("no schedule " + n + " in queue " + q);
    boost::json::object data{{"queue", q}, {"name", n}, {"removed", true}};
    return impl_->events.append(tx, kScheduleChanged.make(impl_->clock, q + "/" + n, data)).status();
  });
}

Result<std::vector<Schedule>> Queue::schedules(std::string_view queue) {
  std::vector<Schedule> out;
  SB_TRY(impl_->db.read([&](store::Tx& tx) -> Status {
    std::string sql = "SELECT queue, name, cron, tz, every_ms, job, next_run_ms FROM job_schedules";
    store::Params params;
    if (!queue.empty()) {
      sql += " WHERE queue = $1";
      params.emplace_back(std::string(queue));
    }
    SB_ASSIGN(auto rows, tx.query(sql + " ORDER BY queue, name", params));
    for (auto& r : rows) out.push_back(schedule_from(r));
    return {};
  }));
  return out;
}

Status Queue::Impl::enqueue_due_schedules(int64_t now) {
  std::vector<Schedule> due_rows;
  SB_TRY(db.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT queue, name, cron, tz, every_ms, job, next_run_ms FROM job_schedules "
                                  "WHERE next_run_ms <= $1 ORDER BY next_run_ms LIMIT 100",
                                  {now}));
    for (auto& r : rows) due_rows.push_back(schedule_from(r));
    return {};
  }));
  for (auto& s : due_rows) {
    auto next = next_tick(s.cron, s.tz, s.every_ms, s.next_run_ms, now);
    if (!next.ok()) {
      spdlog::warn("schedule {}/{}: {}", s.queue, s.name, next.status().message());
      continue;
    }
    SB_TRY(db.write([&](store::Tx& tx) -> Status {
      SB_ASSIGN(int64_t won, tx.exec("UPDATE job_schedules SET next_run_ms = $1 WHERE queue = $2 AND name = $3 AND "
                                     "next_run_ms = $4",
                                     {*next, s.queue, s.name, s.next_run_ms}));
      if (won != 1) return {};  // another instance took this tick
      std::vector<NewJob> one{s.job};
      one[0].dedup_key = "schedule:" + s.name + ":" + std::to_string(s.next_run_ms);
      return insert(tx, s.queue, one).status();
    }));
  }
  return {};
}

}  // namespace sb::jobs
