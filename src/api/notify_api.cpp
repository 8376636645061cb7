// /v1/notifications: templates, send, read-back, stats, retry; the component
// (config, the rules runner). The user-facing routes are in notify_me_api.cpp,
// the providers' callbacks in notify_callbacks_api.cpp.
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

// "24h", "7d", "30m" or milliseconds; 24 h when absent.
Result<int64_t> parse_window(const std::string& w) {
  if (w.empty()) return int64_t{24 * 3'600'000};
  if (int64_t ms = notify::parse_duration_ms(w); ms > 0) return ms;
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
  t.add({"GET", "/v1/notifications/templates", t.pool(list_templates), P, "notifications:admin"});
  t.add({"PUT", "/v1/notifications/templates/{type}/{channel}", t.pool(put_template), P, "notifications:admin"});
  t.add({"PUT", "/v1/notifications/templates/{type}/{channel}/{locale}", t.pool(put_template), P,
         "notifications:admin"});
  t.add({"POST", "/v1/notifications", t.pool(send_notification), P, "notifications:send"});
  t.add({"GET", "/v1/notifications", t.pool(list_notifications), P, "notifications:read"});
  t.add({"GET", "/v1/notifications/stats", t.pool(notification_stats), P, "notifications:read"});
  t.add({"GET", "/v1/notifications/{id}", t.pool(get_notification), P, "notifications:read"});
  t.add({"POST", "/v1/notifications/{id}/retry", t.pool(retry_notification), P, "notifications:send"});
  notify_me_routes(out, deps_);
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
