// /v1/notifications, /v1/me/preferences, /v1/me/inbox.
#include "api/notify_api.h"

#include <boost/json.hpp>
#include <cctype>
#include <cstdio>

#include "api/identity_setup.h"
#include "api/jobs_api.h"
#include "api/json_body.h"
#include "api/sse_stream.h"
#include "http/problem.h"
#include "api/events_api.h"
#include "api/messages_api.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/log.h"
#include "events/event_log.h"
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

bj::object notification_json(const notify::Notification& n) {
  bj::array deliveries;
  for (auto& d : n.deliveries) {
    bj::array timeline;
    for (auto& t : d.timeline) {
      bj::object e{{"status", t.status}, {"at", format_rfc3339(t.at_ms)}};
      if (!t.provider.empty()) e["provider"] = t.provider;
      if (!t.detail.empty()) e["detail"] = t.detail;
      timeline.push_back(std::move(e));
    }
    bj::object o{{"id", d.id}, {"channel", d.channel}, {"status", d.status}, {"attempts", d.attempts},
                 {"timeline", std::move(timeline)}};
    o["provider"] = d.provider.empty() ? bj::value(nullptr) : bj::value(d.provider);
    if (!d.detail.empty()) o["detail"] = d.detail;
    deliveries.push_back(std::move(o));
  }
  bj::object o{{"id", n.id}, {"type", n.type}, {"user_id", n.user_id}, {"critical", n.critical},
               {"created_at", format_rfc3339(n.created_ms)}, {"deliveries", std::move(deliveries)}};
  if (auto d = json::parse(n.data_json); d.ok()) o["data"] = std::move(*d);
  if (!n.locale.empty()) o["locale"] = n.locale;
  return o;
}

Response put_template(const NotifyDeps& s, Request& req) {
  auto o = object_body(req);
  if (!o.ok()) return error_response(o.status(), req);
  notify::Template t;
  t.type = req.params.at("type");
  t.channel = req.params.at("channel");
  if (auto it = req.params.find("locale"); it != req.params.end()) t.locale = it->second;
  for (auto st : {json::get_string(*o, "subject", t.subject, false), json::get_string(*o, "body", t.body, false),
                  json::get_string(*o, "html", t.html, false)})
    if (!st) return error_response(st, req);
  if (Status st = s.notify->put_template(t); !st) return error_response(st, req);
  return json_response(200, bj::object{{"type", t.type}, {"channel", t.channel}, {"locale", t.locale},
                                       {"subject", t.subject}, {"body", t.body}, {"html", t.html}});
}

Response list_templates(const NotifyDeps& s, Request& req) {
  auto all = s.notify->templates(req.query_param("type").value_or(""));
  if (!all.ok()) return error_response(all.status(), req);
  bj::array out;
  for (auto& t : *all)
    out.push_back(bj::object{{"type", t.type}, {"channel", t.channel}, {"locale", t.locale}, {"subject", t.subject},
                             {"body", t.body}, {"html", t.html}, {"updated_at", format_rfc3339(t.updated_ms)}});
  return json_response(200, bj::object{{"templates", std::move(out)}});
}

// POST /v1/notifications {user_id, type, data, channels?, critical?, idempotency_key?, locale?}
// The user is checked here (a read); the send joins the group commit and
// answers from the store thread, so no pool thread waits for the disk.
void send_notification(const NotifyDeps& s, Request& req, http::Respond respond) {
  auto o = object_body(req);
  if (!o.ok()) return respond(error_response(o.status(), req));
  notify::SendRequest r;
  std::vector<FieldError> errs;
  auto collect = [&](Status st) {
    for (auto& f : st.fields()) errs.push_back(f);
  };
  collect(json::get_string(*o, "user_id", r.user_id, true));
  collect(json::get_string(*o, "type", r.type, true));
  collect(json::get_bool(*o, "critical", r.critical, false));
  collect(json::get_string(*o, "idempotency_key", r.idempotency_key, false));
  collect(json::get_string(*o, "locale", r.locale, false));
  if (auto* d = o->if_contains("data")) {
    if (!d->is_object()) errs.push_back({"/data", "must be a JSON object"});
    else r.data_json = json::serialize(*d);
  }
  if (auto* c = o->if_contains("channels")) {
    if (!c->is_array()) errs.push_back({"/channels", "must be an array of channel names"});
    else
      for (size_t i = 0; i < c->get_array().size(); ++i) {
        auto& v = c->get_array()[i];
        if (!v.is_string()) errs.push_back({"/channels/" + std::to_string(i), "must be a string"});
        else r.channels.emplace_back(v.get_string());
      }
  }
  if (!errs.empty()) return respond(error_response(Status::invalid(std::move(errs)), req));
  if (auto u = s.users->get_user(r.user_id); !u.ok()) {
    if (u.status().code() == Code::kNotFound)
      return respond(error_response(Status::invalid("/user_id", "no such user"), req));
    return respond(error_response(u.status(), req));
  }
  s.notify->send_async(std::move(r), [rid = req.request_id, respond](Result<notify::Notification> n) {
  if (!n.ok()) return respond(http::problem(n.status(), rid));
  bj::array deliveries;
  for (auto& d : n->deliveries) {
    bj::object x{{"id", d.id}, {"channel", d.channel}, {"status", d.status}};
    if (!d.detail.empty()) x["detail"] = d.detail;
    deliveries.push_back(std::move(x));
  }
  bj::object out{{"id", n->id}, {"deliveries", std::move(deliveries)}};
  if (n->duplicate) out["duplicate"] = true;
  respond(json_response(n->duplicate ? 200 : 202, out));
  });
}

Response get_notification(const NotifyDeps& s, Request& req) {
  auto n = s.notify->get(req.params.at("id"));
  if (!n.ok()) return error_response(n.status(), req);
  return json_response(200, notification_json(*n));
}

Response list_notifications(const NotifyDeps& s, Request& req) {
  notify::ListQuery q;
  q.user_id = req.query_param("user").value_or("");
  q.status = req.query_param("status").value_or("");
  q.channel = req.query_param("channel").value_or("");
  q.type = req.query_param("type").value_or("");
  q.before = req.query_param("before").value_or("");
  if (auto since = req.query_param("since"); since && !since->empty() && !parse_rfc3339(*since, q.since_ms))
    return error_response(Status::invalid("since", "must be an RFC 3339 date-time"), req);
  auto limit = int_param(req, "limit", 50, 1, 100);
  if (!limit.ok()) return error_response(limit.status(), req);
  q.limit = static_cast<int>(*limit);
  auto list = s.notify->list(q);
  if (!list.ok()) return error_response(list.status(), req);
  bj::array out;
  for (auto& n : *list) out.push_back(notification_json(n));
  bj::object body{{"notifications", std::move(out)}};
  if (list->size() == static_cast<size_t>(q.limit)) body["next"] = list->back().id;
  return json_response(200, body);
}

bj::object counts_json(const notify::Counts& c, bool full) {
  bj::object o{{"sent", c.sent + c.delivered}, {"failed", c.failed}, {"pending", c.pending},
               {"success_rate", c.success_rate()}};
  if (full) {
    o["total"] = c.total;
    o["delivered"] = c.delivered;
    o["suppressed"] = c.suppressed;
  }
  return o;
}

// "24h", "7d", "30m" or milliseconds.
Result<int64_t> parse_window(const std::string& w) {
  if (w.empty()) return int64_t{24 * 3'600'000};
  size_t used = 0;
  int64_t n = 0;
  try {
    n = std::stoll(w, &used);
  } catch (...) {
    return Status::invalid("window", "must be like 30m, 24h or 7d");
  }
  std::string unit = w.substr(used);
  if (unit.empty()) return n;
  if (unit == "m") return n * 60'000;
  if (unit == "h") return n * 3'600'000;
  if (unit == "d") return n * 86'400'000;
  return Status::invalid("window", "must be like 30m, 24h or 7d");
}

Response notification_stats(const NotifyDeps& s, Request& req) {
  auto window = parse_window(req.query_param("window").value_or(""));
  if (!window.ok()) return error_response(window.status(), req);
  auto st = s.notify->stats(*window);
  if (!st.ok()) return error_response(st.status(), req);
  bj::object out = counts_json(st->all, true);
  auto group = [](const std::map<std::string, notify::Counts>& m) {
    bj::object o;
    for (auto& [k, c] : m) o[k] = counts_json(c, false);
    return o;
  };
  out["by_channel"] = group(st->by_channel);
  out["by_type"] = group(st->by_type);
  out["by_provider"] = group(st->by_provider);
  bj::array hours;
  for (auto& [hour, c] : st->by_hour) {
    bj::object h = counts_json(c, false);
    h["hour"] = format_rfc3339(hour);
    hours.push_back(std::move(h));
  }
  out["by_hour"] = std::move(hours);
  out["window_ms"] = *window;
  return json_response(200, out);
}

Response retry_notification(const NotifyDeps& s, Request& req) {
  auto n = s.notify->retry(req.params.at("id"));
  if (!n.ok()) return error_response(n.status(), req);
  return json_response(200, notification_json(*n));
}

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

// "HH:MM" -> minutes after midnight, or -1.
int parse_hhmm(const std::string& s) {
  if (s.size() != 5 || s[2] != ':' || !std::isdigit(static_cast<unsigned char>(s[0])) ||
      !std::isdigit(static_cast<unsigned char>(s[1])) || !std::isdigit(static_cast<unsigned char>(s[3])) ||
      !std::isdigit(static_cast<unsigned char>(s[4])))
    return -1;
  int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
  return h < 24 && m < 60 ? h * 60 + m : -1;
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
    int a = parse_hhmm(start), b = parse_hhmm(end);
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

NotifyComponent::NotifyComponent(Kernel& kernel, JobsComponent& jobs, MessagingComponent& messaging,
                                 IdentityComponent& identity)
    : Component("notify"), kernel_(kernel), jobs_(jobs), messaging_(messaging), identity_(identity) {}
NotifyComponent::~NotifyComponent() {
  if (caps_watch_) kernel_.config.unwatch(caps_watch_);
  if (digests_watch_) kernel_.config.unwatch(digests_watch_);
}

void NotifyComponent::declare(Declarations& d) {
  using namespace notify_keys;
  d.config.declare(kDefaultLocale, kMaxAttempts, kBackoffMs, kWorkers, kRules, kCaps, kDigests, kCallbackPublicUrl,
                   kCallbackSendgridKey, kCallbackMailgunKey, kCallbackTwilioToken, kCallbackMaxAgeMs);
  d.permission("notifications:send", "Send notifications to users");
  d.permission("notifications:read", "Read notifications and their delivery timelines");
  d.permission("notifications:admin", "Manage templates and any user's notification preferences");
  d.event_types_of(notify::kNotifyEventTypes);
}

Status NotifyComponent::init() {
  using namespace notify_keys;
  auto& cfg = kernel_.config;
  notify::Options opt;
  opt.default_locale = cfg.get(kDefaultLocale);
  opt.max_attempts = static_cast<int>(cfg.get(kMaxAttempts));
  opt.backoff_ms = cfg.get(kBackoffMs);
  opt.workers = static_cast<int>(cfg.get(kWorkers));
  auto load_caps = [this, &cfg] {
    auto caps = notify::parse_caps(cfg.get(kCaps));  // checked when set: parses
    auto parsed = std::make_shared<const std::vector<notify::Cap>>(caps.ok() ? *caps : std::vector<notify::Cap>{});
    std::lock_guard lock(caps_mu_);
    caps_ = std::move(parsed);
  };
  load_caps();
  caps_watch_ = cfg.watch(kCaps.name(), [load_caps](const std::string&) { load_caps(); });
  opt.caps = [this] {
    std::lock_guard lock(caps_mu_);
    return *caps_;
  };
  auto load_digests = [this, &cfg] {
    auto digests = notify::parse_digests(cfg.get(kDigests));  // checked when set: parses
    auto parsed = std::make_shared<const std::vector<notify::Digest>>(digests.ok() ? *digests
                                                                                   : std::vector<notify::Digest>{});
    std::lock_guard lock(digests_mu_);
    digests_ = std::move(parsed);
  };
  load_digests();
  digests_watch_ = cfg.watch(kDigests.name(), [load_digests](const std::string&) { load_digests(); });
  opt.digests = [this] {
    std::lock_guard lock(digests_mu_);
    return digests_;
  };
  identity::AuthService* users = &identity_.auth();
  auto lookup = [users](const std::string& id) -> Result<notify::Recipient> {
    SB_ASSIGN(auto u, users->get_user(id));
    return notify::Recipient{u.email, u.phone};
  };
  service_ = std::make_unique<notify::Service>(*kernel_.db, *kernel_.events, jobs_.queue(), messaging_.messaging(),
                                               lookup, kernel_.clock, opt, &kernel_.metrics);
  deps_ = {service_.get(), users, &kernel_.config, kernel_.events, kernel_.feed, &kernel_.clock};
  return {};
}

void NotifyComponent::routes(std::vector<http::Route>& out) {
  using http::Access;
  RouteTable t(out, deps_);
  const auto P = Access::kPermission;
  const auto U = Access::kAuthenticated;
  t.add({"GET", "/v1/notifications/templates", t.pool(list_templates), P, "notifications:admin"});
  t.add({"PUT", "/v1/notifications/templates/{type}/{channel}", t.pool(put_template), P, "notifications:admin"});
  t.add({"PUT", "/v1/notifications/templates/{type}/{channel}/{locale}", t.pool(put_template), P,
         "notifications:admin"});
  t.add({"POST", "/v1/notifications", t.pool(send_notification), P, "notifications:send"});
  t.add({"GET", "/v1/notifications", t.pool(list_notifications), P, "notifications:read"});
  t.add({"GET", "/v1/notifications/stats", t.pool(notification_stats), P, "notifications:read"});
  t.add({"GET", "/v1/notifications/{id}", t.pool(get_notification), P, "notifications:read"});
  t.add({"POST", "/v1/notifications/{id}/retry", t.pool(retry_notification), P, "notifications:send"});
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
  notify_callback_routes(out, deps_);
}

Status NotifyComponent::start() {
  service_->start();
  listener_ = kernel_.events->add_listener([this](int64_t) {
    std::lock_guard lock(mu_);
    woken_ = true;
    cv_.notify_one();
  });
  rules_ = std::thread([this] {
    const std::string instance = new_uuid_v7(kernel_.clock);
    const auto poll = std::chrono::milliseconds(kernel_.config.get(events_keys::kPollMs));
    std::unique_lock lock(mu_);
    while (!stopping_) {
      woken_ = false;
      lock.unlock();
      int looked = 0;
      bool any_rules = false;
      auto r = service_->apply_rules(
          [&] {
            auto rules = notify::parse_rules(kernel_.config.get(notify_keys::kRules));
            any_rules = rules.ok() && !rules->empty();
            return any_rules ? *rules : std::vector<notify::Rule>{};
          },
          instance);
      if (!r.ok()) spdlog::warn("notify rules: {}", r.status().to_string());
      else looked = *r;
      lock.lock();
      if (looked >= 500) continue;  // a full page: more are waiting
      // Without rules only the poll moves the cursor (at most one small
      // write per poll under event load, none when idle).
      cv_.wait_for(lock, poll, [&] { return stopping_ || (woken_ && any_rules); });
    }
  });
  return {};
}

void NotifyComponent::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (rules_.joinable()) rules_.join();
  if (listener_) kernel_.events->remove_listener(listener_);

  listener_ = 0;
  if (service_) service_->stop();
}

}  // namespace sb::api
