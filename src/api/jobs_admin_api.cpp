// /v1/queues/*: the operator side (counts, settings, pause, job lists,
// retry, cancel, repeatable jobs) and the jobs component.
#include <boost/json.hpp>

#include "api/jobs_api.h"
#include "api/jobs_json.h"
#include "api/json_body.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/json.h"
#include "jobs/job_events.h"
#include "jobs/queue.h"

namespace sb::api {

namespace bj = boost::json;

namespace {

const std::string& queue_of(const http::Request& req) { return req.params.at("queue"); }

http::Response ok_or(const Status& st, http::Request& req, const char* state_word) {
  if (!st) return error_response(st, req);
  bj::object o{{"queue", queue_of(req)}};
  if (auto it = req.params.find("id"); it != req.params.end()) o["id"] = it->second;
  o["state"] = state_word;
  return json_response(200, o);
}

http::Response list_queues(const JobsDeps& s, http::Request& req) {
  auto all = s.queue->queues();
  if (!all.ok()) return error_response(all.status(), req);
  std::string out = "{\"queues\":[";
  for (size_t i = 0; i < all->size(); ++i) out += (i ? "," : "") + queue_json((*all)[i]);
  return http::Response::json(200, out + "]}");
}

http::Response get_queue(const JobsDeps& s, http::Request& req) {
  auto info = s.queue->info(queue_of(req));
  if (!info.ok()) return error_response(info.status(), req);
  return http::Response::json(200, queue_json(*info));
}

// PATCH: the fields given change, the others stay.
http::Response patch_queue(const JobsDeps& s, http::Request& req) {
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  const auto& o = *body;
  auto info = s.queue->info(queue_of(req));
  if (!info.ok()) return error_response(info.status(), req);
  jobs::QueueSettings set = info->settings;
  std::vector<FieldError> errs;
  auto collect = [&](Status st) {
    for (auto& f : st.fields()) errs.push_back(f);
  };
  for (auto& kv : o)
    if (kv.key() != "concurrency" && kv.key() != "rate" && kv.key() != "keep_completed" &&
        kv.key() != "keep_completed_ms" && kv.key() != "paused")
      errs.push_back({"/" + std::string(kv.key()), "is not a known field"});
  collect(json::get_int(o, "concurrency", set.concurrency, false));
  collect(json::get_int(o, "keep_completed", set.keep_completed, false));
  collect(json::get_int(o, "keep_completed_ms", set.keep_completed_ms, false));
  collect(json::get_bool(o, "paused", set.paused, false));
  if (auto* r = o.if_contains("rate")) {
    if (!r->is_object()) errs.push_back({"/rate", "must be an object"});
    else {
      collect(json::get_int(r->get_object(), "max", set.rate_max, false, "/rate"));
      collect(json::get_int(r->get_object(), "interval_ms", set.rate_interval_ms, false, "/rate"));
    }
  }
  if (!errs.empty()) return error_response(Status::invalid(std::move(errs)), req);
  if (Status st = s.queue->configure(queue_of(req), set); !st) return error_response(st, req);
  return get_queue(s, req);
}

http::Response pause_queue(const JobsDeps& s, http::Request& req) {
  if (Status st = s.queue->pause(queue_of(req)); !st) return error_response(st, req);
  return json_response(200, bj::object{{"queue", queue_of(req)}, {"paused", true}});
}

http::Response resume_queue(const JobsDeps& s, http::Request& req) {
  if (Status st = s.queue->resume(queue_of(req)); !st) return error_response(st, req);
  return json_response(200, bj::object{{"queue", queue_of(req)}, {"paused", false}});
}

http::Response list_jobs(const JobsDeps& s, http::Request& req) {
  std::optional<jobs::State> state;
  if (auto v = req.query_param("state"); v && !v->empty()) {
    state = jobs::parse_state(*v);
    if (!state)
      return error_response(
          Status::invalid("state", "must be waiting, delayed, active, completed, dead or cancelled"), req);
  }
  auto limit = int_param(req, "limit", 50, 1, 1000);
  if (!limit.ok()) return error_response(limit.status(), req);
  auto list = s.queue->list(queue_of(req), state, static_cast<int>(*limit), req.query_param("before").value_or(""));
  if (!list.ok()) return error_response(list.status(), req);
  std::string out = "{\"jobs\":[";
  for (size_t i = 0; i < list->size(); ++i) out += (i ? "," : "") + job_json((*list)[i]);
  out += "]";
  if (list->size() == static_cast<size_t>(*limit)) {
    out += ",\"next\":";
    json::append_quoted(out, list->back().id);
  }
  return http::Response::json(200, out + "}");
}

http::Response get_job(const JobsDeps& s, http::Request& req) {
  auto job = s.queue->get(queue_of(req), req.params.at("id"));
  if (!job.ok()) return error_response(job.status(), req);
  return http::Response::json(200, job_json(*job));
}

http::Response retry_job(const JobsDeps& s, http::Request& req) {
  return ok_or(s.queue->retry(queue_of(req), req.params.at("id")), req, "waiting");
}

http::Response cancel_job(const JobsDeps& s, http::Request& req) {
  return ok_or(s.queue->cancel(queue_of(req), req.params.at("id")), req, "cancelled");
}

bj::object schedule_json(const jobs::Schedule& sc) {
  bj::object o{{"queue", sc.queue}, {"name", sc.name}, {"next_run", format_rfc3339(sc.next_run_ms)}};
  if (!sc.cron.empty()) {
    o["cron"] = sc.cron;
    o["tz"] = sc.tz;
  } else {
    o["every_ms"] = sc.every_ms;
  }
  bj::object job{{"priority", sc.job.priority}, {"max_attempts", sc.job.max_attempts}};
  if (auto p = json::parse(sc.job.payload); p.ok()) job["payload"] = std::move(*p);
  o["job"] = std::move(job);
  return o;
}

http::Response list_schedules(const JobsDeps& s, http::Request& req) {
  auto all = s.queue->schedules(queue_of(req));
  if (!all.ok()) return error_response(all.status(), req);
  bj::array arr;
  for (auto& sc : *all) arr.push_back(schedule_json(sc));
  return json_response(200, bj::object{{"schedules", std::move(arr)}});
}

// PUT /v1/queues/{queue}/schedules/{name}
// {"cron":"0 9 * * MON-FRI","tz":"Europe/Berlin" | "every_ms":60000, "job":{"payload":…,"priority":…}}
http::Response put_schedule(const JobsDeps& s, http::Request& req) {
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  const auto& o = *body;
  jobs::Schedule sc;
  sc.queue = queue_of(req);
  sc.name = req.params.at("name");
  std::vector<FieldError> errs;
  auto collect = [&](Status st) {
    for (auto& f : st.fields()) errs.push_back(f);
  };
  collect(json::get_string(o, "cron", sc.cron, false));
  collect(json::get_string(o, "tz", sc.tz, false));
  collect(json::get_int(o, "every_ms", sc.every_ms, false));
  if (auto* j = o.if_contains("job")) {
    if (!j->is_object()) errs.push_back({"/job", "must be an object"});
    else {
      const auto& jo = j->get_object();
      if (auto* p = jo.if_contains("payload")) sc.job.payload = json::serialize(*p);
      int64_t attempts = sc.job.max_attempts;
      collect(json::get_int(jo, "priority", sc.job.priority, false, "/job"));
      collect(json::get_int(jo, "max_attempts", attempts, false, "/job"));
      collect(json::get_int(jo, "timeout_ms", sc.job.lease_ms, false, "/job"));
      sc.job.max_attempts = static_cast<int>(std::clamp<int64_t>(attempts, 1, 1000));
    }
  }
  if (!errs.empty()) return error_response(Status::invalid(std::move(errs)), req);
  if (Status st = s.queue->add_schedule(sc); !st) return error_response(st, req);
  auto all = s.queue->schedules(sc.queue);
  if (all.ok())
    for (auto& x : *all)
      if (x.name == sc.name) return json_response(200, schedule_json(x));
  return json_response(200, schedule_json(sc));
}

http::Response delete_schedule(const JobsDeps& s, http::Request& req) {
  if (Status st = s.queue->remove_schedule(queue_of(req), req.params.at("name")); !st)
    return error_response(st, req);
  return http::Response{204, {}, {}, nullptr};
}

}  // namespace

JobsComponent::JobsComponent(Kernel& kernel) : Component("jobs"), kernel_(kernel) {}
JobsComponent::~JobsComponent() = default;

void JobsComponent::declare(Declarations& d) {
  using namespace jobs_keys;
  d.config.declare(kMaxPayloadBytes, kKeepCompleted, kKeepCompletedMs, kTickMs, kMaxWaitMs, kEventPerCompletion);
  d.permission("jobs:write", "Enqueue jobs");
  d.permission("jobs:work", "Claim jobs and report their outcome (ack, nack, extend, progress)");
  d.permission("jobs:admin", "Inspect queues and jobs; retry, cancel, pause, resume, configure, schedule");
  d.event_types_of(jobs::kJobEventTypes);
}

Status JobsComponent::init() {
  using namespace jobs_keys;
  auto& cfg = kernel_.config;
  jobs::QueueOptions opt;
  opt.max_payload_bytes = static_cast<size_t>(cfg.get(kMaxPayloadBytes));
  opt.default_keep_completed = cfg.get(kKeepCompleted);
  opt.default_keep_completed_ms = cfg.get(kKeepCompletedMs);
  opt.event_per_completion = cfg.get(kEventPerCompletion);
  queue_ = std::make_unique<jobs::Queue>(*kernel_.db, *kernel_.events, kernel_.clock, opt, &kernel_.metrics);
  deps_ = {queue_.get(), opt.max_payload_bytes, cfg.get(kMaxWaitMs)};
  return {};
}

void JobsComponent::routes(std::vector<http::Route>& out) {
  using http::Access;
  RouteTable t(out, deps_);
  const auto P = Access::kPermission;
  // Producers and workers: handed to the group commit, answered from it.
  t.add({"POST", "/v1/queues/{queue}/jobs", t.io(enqueue_jobs), P, "jobs:write"});
  t.add({"POST", "/v1/queues/{queue}/claim", t.io(claim_jobs), P, "jobs:work"});
  t.add({"POST", "/v1/queues/{queue}/ack", t.io(ack_jobs), P, "jobs:work"});
  t.add({"POST", "/v1/queues/{queue}/jobs/{id}/ack", t.io(ack_job), P, "jobs:work"});
  t.add({"POST", "/v1/queues/{queue}/jobs/{id}/nack", t.pool(nack_job), P, "jobs:work"});
  t.add({"POST", "/v1/queues/{queue}/jobs/{id}/extend", t.pool(extend_job), P, "jobs:work"});
  t.add({"POST", "/v1/queues/{queue}/jobs/{id}/progress", t.pool(progress_job), P, "jobs:work"});
  // Operators.
  t.add({"GET", "/v1/queues", t.pool(list_queues), P, "jobs:admin"});
  t.add({"GET", "/v1/queues/{queue}", t.pool(get_queue), P, "jobs:admin"});
  t.add({"PATCH", "/v1/queues/{queue}", t.pool(patch_queue), P, "jobs:admin"});
  t.add({"POST", "/v1/queues/{queue}/pause", t.pool(pause_queue), P, "jobs:admin"});
  t.add({"POST", "/v1/queues/{queue}/resume", t.pool(resume_queue), P, "jobs:admin"});
  t.add({"GET", "/v1/queues/{queue}/jobs", t.pool(list_jobs), P, "jobs:admin"});
  t.add({"GET", "/v1/queues/{queue}/jobs/{id}", t.pool(get_job), P, "jobs:admin"});
  t.add({"POST", "/v1/queues/{queue}/jobs/{id}/retry", t.pool(retry_job), P, "jobs:admin"});
  t.add({"POST", "/v1/queues/{queue}/jobs/{id}/cancel", t.pool(cancel_job), P, "jobs:admin"});
  t.add({"GET", "/v1/queues/{queue}/schedules", t.pool(list_schedules), P, "jobs:admin"});
  t.add({"PUT", "/v1/queues/{queue}/schedules/{name}", t.pool(put_schedule), P, "jobs:admin"});
  t.add({"DELETE", "/v1/queues/{queue}/schedules/{name}", t.pool(delete_schedule), P, "jobs:admin"});
}

Status JobsComponent::start() {
  queue_->start(kernel_.config.get(jobs_keys::kTickMs));
  return {};
}

void JobsComponent::stop() {
  if (queue_) queue_->stop();
}

}  // namespace sb::api
