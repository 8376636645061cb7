// /v1/queues/*: the producer and worker side (enqueue, claim, ack, nack,
// extend, progress). Operator routes and the component: jobs_admin_api.cpp.
#include "api/jobs_api.h"

#include <set>

#include "api/jobs_json.h"
#include "api/json_body.h"
#include "core/clock.h"
#include "core/json.h"
#include "http/problem.h"
#include "jobs/queue.h"

namespace sb::api {

namespace bj = boost::json;

namespace {

const std::set<std::string_view> kJobFields = {"payload",  "priority",  "delay_ms", "run_at",    "max_attempts",
                                               "backoff",  "dedup_key", "timeout_ms"};

Status unknown_fields(const bj::object& o, const std::set<std::string_view>& known, const std::string& at) {
  std::vector<FieldError> errs;
  for (auto& kv : o)
    if (!known.count(kv.key())) errs.push_back({at + "/" + std::string(kv.key()), "is not a known field"});
  if (errs.empty()) return {};
  return Status::invalid(std::move(errs));
}

// One job of a POST body; `at` is its JSON pointer ("" or "/3"). A payload
// over the limit is reported apart (a 413, not a 400).
Status parse_job(const bj::value& v, const std::string& at, jobs::NewJob& job, size_t max_payload,
                 bool& too_large) {
  if (!v.is_object()) return Status::invalid(at.empty() ? "body" : at, "must be a JSON object");
  const auto& o = v.get_object();
  SB_TRY(unknown_fields(o, kJobFields, at));
  if (auto* p = o.if_contains("payload")) job.payload = json::serialize(*p);
  if (job.payload.size() > max_payload) too_large = true;
  std::vector<FieldError> errs;
  auto collect = [&](Status s) {
    for (auto& f : s.fields()) errs.push_back(f);
  };
  int64_t attempts = job.max_attempts;
  collect(json::get_int(o, "priority", job.priority, false, at));
  collect(json::get_int(o, "delay_ms", job.delay_ms, false, at));
  collect(json::get_int(o, "max_attempts", attempts, false, at));
  collect(json::get_int(o, "timeout_ms", job.lease_ms, false, at));
  collect(json::get_string(o, "dedup_key", job.dedup_key, false, at));
  job.max_attempts = static_cast<int>(std::clamp<int64_t>(attempts, -1, 1'000'000));
  std::string run_at;
  collect(json::get_string(o, "run_at", run_at, false, at));
  if (!run_at.empty() && !parse_rfc3339(run_at, job.run_at_ms))
    errs.push_back({at + "/run_at", "must be an RFC 3339 date-time"});
  if (auto* b = o.if_contains("backoff")) {
    if (!b->is_object()) {
      errs.push_back({at + "/backoff", "must be an object"});
    } else {
      const auto& bo = b->get_object();
      collect(unknown_fields(bo, {"type", "delay_ms", "max_ms"}, at + "/backoff"));
      std::string type = "exponential";
      collect(json::get_string(bo, "type", type, false, at + "/backoff"));
      if (type == "fixed") job.backoff.type = jobs::Backoff::Type::kFixed;
      else if (type != "exponential") errs.push_back({at + "/backoff/type", "must be exponential or fixed"});
      collect(json::get_int(bo, "delay_ms", job.backoff.delay_ms, false, at + "/backoff"));
      collect(json::get_int(bo, "max_ms", job.backoff.max_ms, false, at + "/backoff"));
    }
  }
  if (!errs.empty()) return Status::invalid(std::move(errs));
  return {};
}

http::Response payload_too_large(const http::Request& req, size_t max) {
  return http::problem(413, "payload-too-large", "Payload too large",
                       "a job payload is larger than jobs.max_payload_bytes (" + std::to_string(max) + " bytes)",
                       req.request_id);
}

const std::string& queue_of(const http::Request& req) { return req.params.at("queue"); }

// The lease of an ack/nack/extend/progress body (required).
Status lease_of(const bj::object& o, std::string& lease) { return json::get_string(o, "lease", lease, true); }

}  // namespace

void enqueue_jobs(const JobsDeps& s, http::Request& req, http::Respond respond) {
  if (Status st = jobs::Queue::check_name(queue_of(req)); !st) return respond(error_response(st, req));
  auto body = json_body(req);
  if (!body.ok()) return respond(error_response(body.status(), req));
  const bool batch = body->is_array();
  std::vector<jobs::NewJob> batch_jobs;
  bool too_large = false;
  if (batch) {
    const auto& arr = body->get_array();
    if (arr.empty()) return respond(error_response(Status::invalid("body", "batch is empty"), req));
    if (arr.size() > 1000)
      return respond(error_response(Status::invalid("body", "a batch holds at most 1000 jobs"), req));
    batch_jobs.resize(arr.size());
    for (size_t i = 0; i < arr.size(); ++i)
      if (Status st = parse_job(arr[i], "/" + std::to_string(i), batch_jobs[i], s.max_payload, too_large); !st)
        return respond(error_response(st, req));
  } else {
    batch_jobs.resize(1);
    if (Status st = parse_job(*body, "", batch_jobs[0], s.max_payload, too_large); !st)
      return respond(error_response(st, req));
  }
  if (too_large) return respond(payload_too_large(req, s.max_payload));
  s.queue->enqueue_async(queue_of(req), std::move(batch_jobs),
                         [batch, rid = req.request_id, respond](Result<std::vector<jobs::Enqueued>> r) {
                           if (!r.ok()) return respond(http::problem(r.status(), rid));
                           if (!batch) {
                             const auto& e = r->front();
                             std::string out = "{\"id\":";
                             json::append_quoted(out, e.id);
                             out += e.duplicate ? ",\"duplicate\":true}" : "}";
                             return respond(http::Response::json(e.duplicate ? 200 : 201, std::move(out)));
                           }
                           std::string out = "{\"ids\":[";
                           for (size_t i = 0; i < r->size(); ++i) {
                             if (i) out += ',';
                             json::append_quoted(out, (*r)[i].id);
                           }
                           out += "]}";
                           respond(http::Response::json(201, std::move(out)));
                         });
}

void claim_jobs(const JobsDeps& s, http::Request& req, http::Respond respond) {
  if (Status st = jobs::Queue::check_name(queue_of(req)); !st) return respond(error_response(st, req));
  jobs::ClaimOptions opt;
  opt.max = 1;
  if (!req.body.empty()) {
    auto o = object_body(req);
    if (!o.ok()) return respond(error_response(o.status(), req));
    if (Status st = unknown_fields(*o, {"max", "wait_ms", "lease_ms"}, ""); !st)
      return respond(error_response(st, req));
    int64_t max = 1;
    std::vector<FieldError> errs;
    for (auto st : {json::get_int(*o, "max", max, false), json::get_int(*o, "wait_ms", opt.wait_ms, false),
                    json::get_int(*o, "lease_ms", opt.lease_ms, false)})
      for (auto& f : st.fields()) errs.push_back(f);
    if (errs.empty()) {
      if (max < 1 || max > 1000) errs.push_back({"/max", "must be 1 to 1000"});
      if (opt.wait_ms < 0 || opt.wait_ms > s.max_wait_ms)
        errs.push_back({"/wait_ms", "must be 0 to " + std::to_string(s.max_wait_ms) + " (jobs.max_wait_ms)"});
      if (opt.lease_ms < 100 || opt.lease_ms > 86'400'000) errs.push_back({"/lease_ms", "must be 100 ms to one day"});
    }
    if (!errs.empty()) return respond(error_response(Status::invalid(std::move(errs)), req));
    opt.max = static_cast<int>(max);
  }
  s.queue->claim_async(queue_of(req), opt, [rid = req.request_id, respond](Result<std::vector<jobs::Claimed>> r) {
    if (!r.ok()) return respond(http::problem(r.status(), rid));
    respond(http::Response::json(200, claimed_json(*r)));
  });
}

void ack_job(const JobsDeps& s, http::Request& req, http::Respond respond) {
  auto o = object_body(req);
  if (!o.ok()) return respond(error_response(o.status(), req));
  jobs::Ack ack{req.params.at("id"), "", ""};
  if (Status st = lease_of(*o, ack.lease); !st) return respond(error_response(st, req));
  if (auto* r = o->if_contains("result")) ack.result = json::serialize(*r);
  if (ack.result.size() > s.max_payload) return respond(payload_too_large(req, s.max_payload));
  std::string id = ack.id;
  s.queue->ack_async(queue_of(req), {std::move(ack)}, [id, rid = req.request_id, respond](std::vector<Status> r) {
    if (!r.front()) return respond(http::problem(r.front(), rid));
    std::string out = "{\"id\":";
    json::append_quoted(out, id);
    respond(http::Response::json(200, out + ",\"state\":\"completed\"}"));
  });
}

// Several acks in one request (remote workers that claim in batches): one
// status per ack, so one stale lease does not fail the others.
void ack_jobs(const JobsDeps& s, http::Request& req, http::Respond respond) {
  auto o = object_body(req);
  if (!o.ok()) return respond(error_response(o.status(), req));
  auto* list = o->if_contains("acks");
  if (!list || !list->is_array() || list->get_array().empty() || list->get_array().size() > 1000)
    return respond(error_response(Status::invalid("/acks", "must be an array of 1 to 1000 acks"), req));
  std::vector<jobs::Ack> acks;
  for (size_t i = 0; i < list->get_array().size(); ++i) {
    const auto& v = list->get_array()[i];
    std::string at = "/acks/" + std::to_string(i);
    if (!v.is_object()) return respond(error_response(Status::invalid(at, "must be an object"), req));
    jobs::Ack a;
    if (Status st = json::get_string(v.get_object(), "id", a.id, true, at); !st) return respond(error_response(st, req));
    if (Status st = json::get_string(v.get_object(), "lease", a.lease, true, at); !st)
      return respond(error_response(st, req));
    if (auto* r = v.get_object().if_contains("result")) a.result = json::serialize(*r);
    if (a.result.size() > s.max_payload) return respond(payload_too_large(req, s.max_payload));
    acks.push_back(std::move(a));
  }
  std::vector<std::string> ids;
  for (auto& a : acks) ids.push_back(a.id);
  s.queue->ack_async(queue_of(req), std::move(acks), [ids, respond](std::vector<Status> r) {
    std::string out = "{\"results\":[";
    for (size_t i = 0; i < r.size(); ++i) {
      out += i ? ",{\"id\":" : "{\"id\":";
      json::append_quoted(out, ids[i]);
      out += ",\"status\":" + std::to_string(r[i] ? 200 : http::status_for(r[i].code()));
      if (!r[i]) {
        out += ",\"detail\":";
        json::append_quoted(out, r[i].message());
      }
      out += '}';
    }
    respond(http::Response::json(200, out + "]}"));
  });
}

http::Response nack_job(const JobsDeps& s, http::Request& req) {
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  const bj::object& o = *body;
  std::string lease, error;
  if (Status st = lease_of(o, lease); !st) return error_response(st, req);
  if (Status st = json::get_string(o, "error", error, false); !st) return error_response(st, req);
  auto state = s.queue->nack(queue_of(req), req.params.at("id"), lease, error);
  if (!state.ok()) return error_response(state.status(), req);
  return json_response(200, bj::object{{"id", req.params.at("id")}, {"state", jobs::state_name(*state)}});
}

http::Response extend_job(const JobsDeps& s, http::Request& req) {
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  const bj::object& o = *body;
  std::string lease;
  int64_t lease_ms = 30'000;
  if (Status st = lease_of(o, lease); !st) return error_response(st, req);
  if (Status st = json::get_int(o, "lease_ms", lease_ms, false); !st) return error_response(st, req);
  auto until = s.queue->extend(queue_of(req), req.params.at("id"), lease, lease_ms);
  if (!until.ok()) return error_response(until.status(), req);
  return json_response(200, bj::object{{"id", req.params.at("id")}, {"lease_until", format_rfc3339(*until)}});
}

http::Response progress_job(const JobsDeps& s, http::Request& req) {
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  const bj::object& o = *body;
  std::string lease;
  if (Status st = lease_of(o, lease); !st) return error_response(st, req);
  auto* p = o.if_contains("progress");
  if (!p) return error_response(Status::invalid("/progress", "is required"), req);
  if (Status st = s.queue->progress(queue_of(req), req.params.at("id"), lease, json::serialize(*p)); !st)
    return error_response(st, req);
  return json_response(200, bj::object{{"id", req.params.at("id")}});
}

}  // namespace sb::api
