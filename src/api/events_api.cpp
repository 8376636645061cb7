#include "api/events_api.h"
#include "providers/http_client.h"
#include "events/subscriptions.h"
#include "config/config.h"

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

// True if `content_type`'s media type (parameters aside) is `want`, which is
// lower case; media types compare case-insensitively.
bool media_type_is(std::string_view content_type, std::string_view want) {
  std::string_view base = content_type.substr(0, content_type.find(';'));
  while (!base.empty() && (base.back() == ' ' || base.back() == '\t')) base.remove_suffix(1);
  if (base.size() != want.size()) return false;
  for (size_t i = 0; i < base.size(); ++i) {
    char c = base[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    if (c != want[i]) return false;
  }
  return true;
}

// CloudEvents JSON format §3 and §4: application/cloudevents+json is one
// event, application/cloudevents-batch+json an array of them. Plain
// application/json may carry either.
Status check_shape(std::string_view content_type, bool is_batch) {
  if (is_batch && media_type_is(content_type, "application/cloudevents+json"))
    return Status::invalid("body", "application/cloudevents+json holds one event (a JSON object); "
                                   "send a batch as application/cloudevents-batch+json");
  if (!is_batch && media_type_is(content_type, "application/cloudevents-batch+json"))
    return Status::invalid("body", "application/cloudevents-batch+json holds a JSON array of events");
  return {};
}
}  // namespace

void publish_events(const EventsDeps& s, http::Request& req, http::Respond respond) {
  // The parsed body lives only for this call (parse_event copies what it
  // keeps): an arena on the stack spares the allocator a node per value.
  unsigned char arena[4096];
  bj::monotonic_resource mr(arena, sizeof(arena));
  auto body = json_body(req, &mr);
  if (!body.ok()) return respond(error_response(body.status(), req));
  std::vector<events::Event> batch;
  bool is_batch = body->is_array();
  if (Status st = check_shape(req.header("content-type"), is_batch); !st) return respond(error_response(st, req));
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

http::Response list_events(const EventsDeps& s, http::Request& req) {
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
  // head: the newest sequence, so a reader can start at the latest page and
  // tell a subscription's lag (head - cursor) without scanning the log.
  body += "],\"next_after\":" + std::to_string(next) + ",\"head\":" + std::to_string(s.events->head()) + "}";
  return http::Response::json(200, std::move(body));
}

http::Response stream_events(const EventsDeps& s, http::Request& req) {
  std::string pattern = req.query_param("type").value_or("*");
  if (Status st = events::validate_pattern(pattern, "type"); !st) return error_response(st, req);
  auto after = sse_resume_point(req, s.events->head());
  if (!after.ok()) return error_response(after.status(), req);
  return sse_response(*s.feed, std::move(pattern), *after);
}

// ---- component

EventsComponent::EventsComponent(Kernel& kernel) : Component("events"), kernel_(kernel) {}
EventsComponent::~EventsComponent() { stop(); }

void EventsComponent::declare(Declarations& d) {
  using namespace events_keys;
  d.config.declare(kHeartbeatMs, kPollMs, kMaxAttempts, kBackoffBaseMs, kBackoffMaxMs, kWorkers, kWebhookTimeoutMs);
  d.permission("events:publish", "Append events to the log");
  d.permission("events:read", "Read history and live streams of the log");
  d.permission("subscriptions:read", "List durable subscriptions and their lag");
  d.permission("subscriptions:write", "Create, delete and replay durable subscriptions");
  d.event_type(events::kSubscriptionCreated);
}

Status EventsComponent::init() {
  const config::ConfigService& c = kernel_.config;
  events::DeliveryOptions o;
  using namespace events_keys;
  o.max_attempts = static_cast<int>(c.get(kMaxAttempts));
  o.base_backoff_ms = c.get(kBackoffBaseMs);
  o.max_backoff_ms = c.get(kBackoffMaxMs);
  o.workers = static_cast<int>(c.get(kWorkers));
  o.poll_ms = static_cast<int>(c.get(kPollMs));
  Millis timeout{c.get(kWebhookTimeoutMs)};
  // Webhooks go out through the same HTTP client as the provider APIs.
  auto post = [timeout](const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers,
                        const std::string& body) -> Status {
    providers::HttpRequest req;
    req.url = url;
    req.headers = headers;
    req.body = body;
    req.timeouts.total = timeout;
    SB_ASSIGN(auto resp, providers::http_send("webhook", req));
    return providers::check_status("webhook", resp);
  };
  subscriptions_ = std::make_unique<events::Subscriptions>(*kernel_.db, *kernel_.events, kernel_.clock,
                                                           &kernel_.metrics, post, o);
  events_deps_ = {kernel_.events, kernel_.feed};
  subscriptions_deps_ = {subscriptions_.get()};
  return {};
}

void EventsComponent::routes(std::vector<http::Route>& out) {
  using http::Access;
  RouteTable e(out, events_deps_);
  // publish hands its batch to the group commit and answers from there.
  e.add({"POST", "/v1/events", e.io(publish_events), Access::kPermission, "events:publish"});
  e.add({"GET", "/v1/events", e.pool(list_events), Access::kPermission, "events:read"});
  e.add({"GET", "/v1/events/stream", e.io(stream_events), Access::kPermission, "events:read"});
  RouteTable s(out, subscriptions_deps_);
  s.add({"POST", "/v1/subscriptions", s.pool(create_subscription), Access::kPermission, "subscriptions:write"});
  s.add({"GET", "/v1/subscriptions", s.pool(list_subscriptions), Access::kPermission, "subscriptions:read"});
  s.add({"GET", "/v1/subscriptions/{id}", s.pool(get_subscription), Access::kPermission, "subscriptions:read"});
  s.add({"DELETE", "/v1/subscriptions/{id}", s.pool(delete_subscription), Access::kPermission,
         "subscriptions:write"});
  s.add({"POST", "/v1/subscriptions/{id}/replay", s.pool(replay_subscription), Access::kPermission,
         "subscriptions:write"});
}

Status EventsComponent::start() {
  subscriptions_->start();
  return {};
}

void EventsComponent::stop() {
  if (subscriptions_) subscriptions_->stop();
}

}  // namespace sb::api
