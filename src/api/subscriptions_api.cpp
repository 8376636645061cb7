#include "api/subscriptions_api.h"

#include "api/json_body.h"
#include "core/clock.h"
#include "core/json.h"
#include "events/subscriptions.h"

namespace sb::api {

namespace bj = boost::json;

namespace {
bj::object to_json(const events::Subscription& s, bool with_dead = false, const std::vector<events::DeadLetter>* dead = nullptr) {
  bj::object o{{"id", s.id},
               {"pattern", s.pattern},
               {"state", s.state},
               {"cursor", s.cursor},
               {"delivered", s.delivered},
               {"attempts", s.attempts},
               {"dead_letters", s.dead_letters},
               {"created_at", format_rfc3339(s.created_at)}};
  o[s.kind == "webhook" ? "webhook_url" : "handler"] = s.target;
  if (!s.last_error.empty()) o["last_error"] = s.last_error;
  if (s.next_attempt_at > 0) o["next_attempt_at"] = format_rfc3339(s.next_attempt_at);
  if (!s.secret.empty()) o["secret"] = s.secret;  // only in the create response
  if (with_dead && dead) {
    bj::array arr;
    for (auto& d : *dead)
      arr.push_back(bj::object{{"sequence", d.sequence}, {"attempts", d.attempts}, {"last_error", d.last_error},
                               {"at", format_rfc3339(d.created_at)}});
    o["dead_lettered"] = std::move(arr);
  }
  return o;
}
}  // namespace

http::Response create_subscription(const SubscriptionsDeps& s, http::Request& req) {
  auto body = json_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  if (!body->is_object()) return error_response(Status::invalid("body", "must be a JSON object"), req);
  const auto& o = body->get_object();
  events::SubscriptionSpec spec;
  std::vector<FieldError> errs;
  auto collect = [&](Status st) {
    for (auto& f : st.fields()) errs.push_back(f);
  };
  collect(json::get_string(o, "pattern", spec.pattern, true));
  collect(json::get_string(o, "webhook_url", spec.webhook_url, false));
  collect(json::get_string(o, "handler", spec.handler, false));
  collect(json::get_int(o, "after", spec.after, false));
  if (!errs.empty()) return error_response(Status::invalid(std::move(errs)), req);
  auto created = s.subscriptions->create(spec);
  if (!created.ok()) return error_response(created.status(), req);
  return json_response(201, to_json(*created)).with_header("Location", std::string("/v1/subscriptions") + "/" + created->id);
}

http::Response list_subscriptions(const SubscriptionsDeps& s, http::Request& req) {
  auto subs = s.subscriptions->list();
  if (!subs.ok()) return error_response(subs.status(), req);
  bj::array arr;
  for (auto& sub : *subs) arr.push_back(to_json(sub));
  return json_response(200, bj::object{{"subscriptions", std::move(arr)}});
}

http::Response get_subscription(const SubscriptionsDeps& s, http::Request& req) {
  auto sub = s.subscriptions->get(req.params["id"]);
  if (!sub.ok()) return error_response(sub.status(), req);
  auto dead = s.subscriptions->dead_letters(sub->id);
  if (!dead.ok()) return error_response(dead.status(), req);
  return json_response(200, to_json(*sub, true, &*dead));
}

http::Response delete_subscription(const SubscriptionsDeps& s, http::Request& req) {
  if (Status st = s.subscriptions->remove(req.params["id"]); !st) return error_response(st, req);
  return http::Response{204, {}, {}, nullptr};
}

http::Response replay_subscription(const SubscriptionsDeps& s, http::Request& req) {
  auto from = int_param(req, "from", 1, 1, INT64_MAX);
  if (!from.ok()) return error_response(from.status(), req);
  if (Status st = s.subscriptions->replay(req.params["id"], *from); !st) return error_response(st, req);
  return get_subscription(s, req);
}

}  // namespace sb::api
