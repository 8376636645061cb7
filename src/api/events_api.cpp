#include "api/events_api.h"

#include <boost/json/monotonic_resource.hpp>

#include "api/json_body.h"
#include "api/sse_stream.h"
#include "core/json.h"
#include "events/event_log.h"
#include "events/live_feed.h"
#include "http/problem.h"

namespace sb::api {

namespace bj = boost::json;

namespace {
// {"id":…,"sequence":…,"duplicate":…}, written directly: it is built once per
// published event on the store thread.
std::string appended_json(const events::Appended& a) {
  std::string out = "{\"id\":";
  json::append_quoted(out, a.id);
  out += ",\"sequence\":";
  out += std::to_string(a.sequence);
  out += a.duplicate ? ",\"duplicate\":true}" : ",\"duplicate\":false}";
  return out;
}
}  // namespace

void publish_events(const Services& s, http::Request& req, http::Respond respond) {
  // The parsed body lives only for this call (parse_event copies what it
  // keeps): an arena on the stack spares the allocator a node per value.
  unsigned char arena[4096];
  bj::monotonic_resource mr(arena, sizeof(arena));
  auto body = json_body(req, &mr);
  if (!body.ok()) return respond(error_response(body.status(), req));
  std::vector<events::Event> batch;
  bool is_batch = body->is_array();
  if (is_batch) {
    const auto& arr = body->get_array();
    if (arr.empty()) return respond(error_response(Status::invalid("body", "batch is empty"), req));
    if (arr.size() > kMaxBatch)
      return respond(error_response(Status::invalid("body", "batch holds more than " + std::to_string(kMaxBatch) + " events"), req));
    std::vector<FieldError> errs;
    for (size_t i = 0; i < arr.size(); ++i) {
      auto e = events::parse_event(arr[i], "/" + std::to_string(i));
      if (!e.ok()) {
        for (auto& f : e.status().fields()) errs.push_back(f);
        continue;
      }
      batch.push_back(std::move(*e));
    }
    // All or nothing: one invalid event rejects the batch.
    if (!errs.empty()) return respond(error_response(Status::invalid(std::move(errs)), req));
  } else {
    auto e = events::parse_event(*body);
    if (!e.ok()) return respond(error_response(e.status(), req));
    batch.push_back(std::move(*e));
  }
  std::string rid = req.request_id;
  s.events->publish_async(std::move(batch), [is_batch, rid, respond](Result<std::vector<events::Appended>> r) {
    if (!r.ok()) return respond(http::problem(r.status(), rid));
    if (!is_batch) {
      const auto& a = r->front();
      // A repeat of an already-stored (source, id) is acknowledged, not re-created.
      return respond(http::Response::json(a.duplicate ? 200 : 201, appended_json(a)));
    }
    std::string out = "{\"events\":[";
    for (size_t i = 0; i < r->size(); ++i) {
      if (i) out += ',';
      out += appended_json((*r)[i]);
    }
    out += "]}";
    respond(http::Response::json(201, std::move(out)));
  });
}

namespace {
Result<events::Query> parse_query(const http::Request& req, int max_limit) {
  events::Query q;
  std::vector<FieldError> errs;
  if (auto t = req.query_param("type")) {
    if (Status st = events::validate_pattern(*t, "type"); !st) errs.push_back(st.fields()[0]);
    q.type_pattern = *t;
  }
  if (auto sub = req.query_param("subject")) q.subject = *sub;
  auto after = int_param(req, "after", 0, 0, INT64_MAX);
  if (!after.ok()) errs.push_back(after.status().fields()[0]);
  else q.after = *after;
  auto limit = int_param(req, "limit", 100, 1, max_limit);
  if (!limit.ok()) errs.push_back(limit.status().fields()[0]);
  else q.limit = static_cast<int>(*limit);
  if (!errs.empty()) return Status::invalid(std::move(errs));
  return q;
}
}  // namespace

http::Response list_events(const Services& s, http::Request& req) {
  auto q = parse_query(req, 1000);
  if (!q.ok()) return error_response(q.status(), req);
  auto rows = s.events->read(*q);
  if (!rows.ok()) return error_response(rows.status(), req);
  // Envelopes are stored serialized; splice them rather than re-encode.
  std::string body = "{\"events\":[";
  for (size_t i = 0; i < rows->size(); ++i) {
    if (i) body += ',';
    body += (*rows)[i].envelope;
  }
  int64_t next = rows->empty() ? q->after : rows->back().sequence;
  body += "],\"next_after\":" + std::to_string(next) + "}";
  return http::Response::json(200, std::move(body));
}

http::Response stream_events(const Services& s, http::Request& req) {
  std::string pattern = req.query_param("type").value_or("*");
  if (Status st = events::validate_pattern(pattern, "type"); !st) return error_response(st, req);
  auto after = sse_resume_point(req, s.events->head());
  if (!after.ok()) return error_response(after.status(), req);
  return sse_response(*s.feed, std::move(pattern), *after);
}

}  // namespace sb::api
