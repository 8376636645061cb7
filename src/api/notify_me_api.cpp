// The caller's side of notifications: /v1/me/preferences (and an operator's
// /v1/users/{id}/preferences), /v1/me/devices, /v1/me/inbox with its live
// stream.
#include <boost/json.hpp>

#include "api/json_body.h"
#include "api/notify_api.h"
#include "api/sse_stream.h"
#include "config/config.h"
#include "core/json.h"
#include "events/event_log.h"
#include "http/problem.h"
#include "identity/auth_service.h"
#include "notify/notify_events.h"
#include "notify/service.h"
#include "providers/channel_kinds.h"
#include "providers/push/push.h"

namespace sb::api {

namespace bj = boost::json;
using http::Request;
using http::Response;

namespace {

Response preferences_of(const NotifyDeps& s, Request& req, const std::string& user) {
  auto p = s.notify->preferences(user);
  if (!p.ok()) return error_response(p.status(), req);
  bj::object types;
  for (auto& [type, channels] : p->types) {
    bj::object c;
    for (auto& [ch, on] : channels) c[ch] = on;
    types[type] = std::move(c);
  }
  bj::object out{{"types", std::move(types)}};
  if (const auto& q = p->quiet_hours) {
    auto hhmm = [](int m) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%02d:%02d", m / 60, m % 60);
      return std::string(buf);
    };
    out["quiet_hours"] = bj::object{{"start", hhmm(q->start_minute)}, {"end", hhmm(q->end_minute)},
                                    {"time_zone", q->time_zone}};
  } else {
    out["quiet_hours"] = nullptr;
  }
  return json_response(200, out);
}

Response put_preferences_of(const NotifyDeps& s, Request& req, const std::string& user) {
  auto o = object_body(req);
  if (!o.ok()) return error_response(o.status(), req);
  notify::Preferences p;
  if (auto* t = o->if_contains("types")) {
    if (!t->is_object()) return error_response(Status::invalid("/types", "must be an object"), req);
    for (auto& [type, channels] : t->get_object()) {
      std::string at = "/types/" + std::string(type);
      if (!channels.is_object()) return error_response(Status::invalid(at, "must be an object of channels"), req);
      for (auto& [ch, on] : channels.get_object()) {
        if (!on.is_bool()) return error_response(Status::invalid(at + "/" + std::string(ch), "must be true or false"), req);
        p.types[std::string(type)][std::string(ch)] = on.get_bool();
      }
    }
  }
  if (auto* q = o->if_contains("quiet_hours"); q && !q->is_null()) {
    if (!q->is_object()) return error_response(Status::invalid("/quiet_hours", "must be an object or null"), req);
    std::string start, end, tz = "UTC";
    std::vector<FieldError> errs;
    for (auto st : {json::get_string(q->get_object(), "start", start, true, "/quiet_hours"),
                    json::get_string(q->get_object(), "end", end, true, "/quiet_hours"),
                    json::get_string(q->get_object(), "time_zone", tz, false, "/quiet_hours")})
      for (auto& f : st.fields()) errs.push_back(f);
    int a = notify::parse_time_of_day(start), b = notify::parse_time_of_day(end);
    if (errs.empty() && a < 0) errs.push_back({"/quiet_hours/start", "must be HH:MM"});
    if (errs.empty() && b < 0) errs.push_back({"/quiet_hours/end", "must be HH:MM"});
    if (!errs.empty()) return error_response(Status::invalid(std::move(errs)), req);
    p.quiet_hours = notify::QuietHours{a, b, tz};
  }
  if (Status st = s.notify->set_preferences(user, p); !st) return error_response(st, req);
  return preferences_of(s, req, user);
}

Response my_preferences(const NotifyDeps& s, Request& req) {
  if (auto r = needs_user(req)) return *r;
  return preferences_of(s, req, req.user_id);
}
Response put_my_preferences(const NotifyDeps& s, Request& req) {
  if (auto r = needs_user(req)) return *r;
  return put_preferences_of(s, req, req.user_id);
}
Response user_preferences(const NotifyDeps& s, Request& req) { return preferences_of(s, req, req.params.at("id")); }
Response put_user_preferences(const NotifyDeps& s, Request& req) {
  return put_preferences_of(s, req, req.params.at("id"));
}

// Device tokens are credential-like: only a Web Push endpoint's origin-bearing
// URL is shown back, never an FCM/APNs token.
bj::object device_json(const notify::Device& d) {
  bj::object o{{"id", d.id}, {"kind", d.kind}, {"created_at", format_rfc3339(d.created_ms)}};
  if (d.kind == "webpush") o["endpoint"] = d.endpoint;
  if (d.kind == "apns") {
    o["topic"] = d.topic;
    o["sandbox"] = d.sandbox;
  }
  return o;
}

// POST /v1/me/devices
//   {"kind":"webpush","subscription":{"endpoint","keys":{"p256dh","auth"}}}  (PushSubscription.toJSON())
//   {"kind":"fcm","token":"…"}
//   {"kind":"apns","token":"…","topic":"com.example.app","sandbox":false}
Response add_device(const NotifyDeps& s, Request& req) {
  if (auto r = needs_user(req)) return *r;
  auto o = object_body(req);
  if (!o.ok()) return error_response(o.status(), req);
  notify::Device d;
  std::vector<FieldError> errs;
  auto collect = [&](Status st) {
    for (auto& f : st.fields()) errs.push_back(f);
  };
  collect(json::get_string(*o, "kind", d.kind, false));
  providers::PushMessage probe;
  probe.title = "check";
  std::string field_prefix = "/token";  // where the push channel's "/to/token" errors point
  if (d.kind == "webpush") {
    auto* sub = o->if_contains("subscription");
    if (!sub || !sub->is_object())
      return error_response(Status::invalid("/subscription", "is required: an object"), req);
    const auto& so = sub->get_object();
    collect(json::get_string(so, "endpoint", d.endpoint, true, "/subscription"));
    if (auto* keys = so.if_contains("keys"); keys && keys->is_object()) {
      collect(json::get_string(keys->get_object(), "p256dh", d.p256dh, true, "/subscription/keys"));
      collect(json::get_string(keys->get_object(), "auth", d.auth, true, "/subscription/keys"));
    } else {
      errs.push_back({"/subscription/keys", "is required: {p256dh, auth}"});
    }
    probe.to = providers::WebPushSubscription{d.endpoint, d.p256dh, d.auth};
    field_prefix = "/subscription";
  } else if (d.kind == "fcm" || d.kind == "apns") {
    collect(json::get_string(*o, "token", d.endpoint, true));
    if (d.kind == "apns") {
      collect(json::get_string(*o, "topic", d.topic, true));
      collect(json::get_bool(*o, "sandbox", d.sandbox, false));
      probe.to = providers::ApnsToken{d.endpoint, d.topic, d.sandbox};
    } else {
      probe.to = providers::FcmToken{d.endpoint};
    }
    field_prefix = "";
  } else {
    errs.push_back({"/kind", "must be webpush, fcm or apns"});
  }
  if (!errs.empty()) return error_response(Status::invalid(std::move(errs)), req);
  // The push channel's own checks (https endpoint, key sizes, token format).
  if (Status st = providers::PushKind::prepare(probe, *s.config); !st) {
    std::vector<FieldError> named;
    for (auto f : st.fields()) {
      if (f.field.rfind("/to", 0) == 0) f.field = field_prefix + f.field.substr(3);
      named.push_back(std::move(f));
    }
    return error_response(named.empty() ? st : Status::invalid(std::move(named)), req);
  }
  auto added = s.notify->add_device(req.user_id, d);
  if (!added.ok()) return error_response(added.status(), req);
  return json_response(201, device_json(*added));
}

Response list_devices(const NotifyDeps& s, Request& req) {
  if (auto r = needs_user(req)) return *r;
  auto all = s.notify->devices(req.user_id);
  if (!all.ok()) return error_response(all.status(), req);
  bj::array out;
  for (auto& d : *all) out.push_back(device_json(d));
  return json_response(200, bj::object{{"devices", std::move(out)}});
}

Response remove_device(const NotifyDeps& s, Request& req) {
  if (auto r = needs_user(req)) return *r;
  if (Status st = s.notify->remove_device(req.user_id, req.params.at("id")); !st) return error_response(st, req);
  return Response{204, {}, {}, nullptr};
}

Response my_inbox(const NotifyDeps& s, Request& req) {
  if (auto r = needs_user(req)) return *r;
  auto limit = int_param(req, "limit", 50, 1, 200);
  if (!limit.ok()) return error_response(limit.status(), req);
  auto items = s.notify->inbox(req.user_id, static_cast<int>(*limit), req.query_param("before").value_or(""));
  if (!items.ok()) return error_response(items.status(), req);
  auto unread = s.notify->unread(req.user_id);
  if (!unread.ok()) return error_response(unread.status(), req);
  bj::array out;
  for (auto& i : *items) {
    bj::object x{{"id", i.id}, {"notification_id", i.notification_id}, {"type", i.type}, {"title", i.title},
                 {"body", i.body}, {"created_at", format_rfc3339(i.created_ms)}, {"read", i.read_ms != 0}};
    if (auto d = json::parse(i.data_json); d.ok()) x["data"] = std::move(*d);
    out.push_back(std::move(x));
  }
  return json_response(200, bj::object{{"items", std::move(out)}, {"unread", *unread}});
}

// GET /v1/me/inbox/stream: one SSE event ("inbox") per item that reaches the
// caller's inbox, {"id","notification_id","type"}; resumable with
// Last-Event-ID. The content is read from /v1/me/inbox (events carry ids only).
Response inbox_stream(const NotifyDeps& s, Request& req) {
  if (auto r = needs_user(req)) return *r;
  auto after = sse_resume_point(req, s.events->head());
  if (!after.ok()) return error_response(after.status(), req);
  std::string user = req.user_id;
  return sse_response(*s.feed, "notification.delivered", *after, [user](const events::StoredEvent& e) -> std::string {
    auto env = json::parse(e.envelope);
    if (!env.ok() || !env->is_object()) return "";
    const auto* data = env->as_object().if_contains("data");
    if (!data || !data->is_object()) return "";
    const auto& d = data->as_object();
    const auto* u = d.if_contains("user");
    if (!u || !u->is_string() || u->get_string() != user) return "";
    bj::object item{{"id", d.contains("delivery") ? d.at("delivery") : bj::value(nullptr)},
                    {"notification_id", d.contains("notification") ? d.at("notification") : bj::value(nullptr)},
                    {"type", d.contains("type") ? d.at("type") : bj::value(nullptr)}};
    return sse_frame(e.sequence, "inbox", bj::serialize(item));
  });
}

Response mark_read(const NotifyDeps& s, Request& req) {
  if (auto r = needs_user(req)) return *r;
  std::string id = req.params.count("id") ? req.params.at("id") : "*";
  if (Status st = s.notify->mark_read(req.user_id, id); !st) return error_response(st, req);
  auto unread = s.notify->unread(req.user_id);
  return json_response(200, bj::object{{"unread", unread.ok() ? *unread : 0}});
}

}  // namespace

void notify_me_routes(std::vector<http::Route>& out, const NotifyDeps& deps) {
  RouteTable t(out, deps);
  const auto P = http::Access::kPermission;
  const auto U = http::Access::kAuthenticated;
  t.add({"GET", "/v1/me/preferences", t.pool(my_preferences), U});
  t.add({"PUT", "/v1/me/preferences", t.pool(put_my_preferences), U});
  t.add({"GET", "/v1/users/{id}/preferences", t.pool(user_preferences), P, "notifications:admin"});
  t.add({"PUT", "/v1/users/{id}/preferences", t.pool(put_user_preferences), P, "notifications:admin"});
  t.add({"GET", "/v1/me/inbox", t.pool(my_inbox), U});
  t.add({"GET", "/v1/me/inbox/stream", t.io(inbox_stream), U});
  t.add({"POST", "/v1/me/devices", t.pool(add_device), U});
  t.add({"GET", "/v1/me/devices", t.pool(list_devices), U});
  t.add({"DELETE", "/v1/me/devices/{id}", t.pool(remove_device), U});
  t.add({"POST", "/v1/me/inbox/read", t.pool(mark_read), U});
  t.add({"POST", "/v1/me/inbox/{id}/read", t.pool(mark_read), U});
}

}  // namespace sb::api
