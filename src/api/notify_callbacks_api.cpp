// POST /v1/notifications/callbacks/{sendgrid,mailgun,twilio}: providers'
// status callbacks. Public (the provider holds no credential of ours): the
// provider's signature is the authentication, checked by notify/callbacks.h.
// Answers: 200 once handled (including a message id no delivery carries, so
// the provider stops retrying), 401 for a missing, wrong or stale signature
// or a replay, 503 while the provider's key is not configured (the provider
// retries, so callbacks sent before the key is set are not lost).
#include <boost/json.hpp>

#include "api/json_body.h"
#include "api/notify_api.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/log.h"
#include "http/problem.h"
#include "notify/callbacks.h"

namespace sb::api {

namespace {

using http::Request;
using http::Response;

notify::CallbackSettings settings(const NotifyDeps& s) {
  using namespace notify_keys;
  const auto& c = *s.config;
  notify::CallbackSettings out;
  out.sendgrid_verification_key = c.get(kCallbackSendgridKey);
  out.mailgun_signing_key = c.get(kCallbackMailgunKey);
  out.twilio_auth_token = c.get(kCallbackTwilioToken);
  out.max_age_ms = c.get(kCallbackMaxAgeMs);
  return out;
}

Response answer(const Result<int>& moved, const char* provider, const Request& req) {
  if (moved.ok()) return Response::json(200, boost::json::serialize(boost::json::object{{"updated", *moved}}));
  const Status& st = moved.status();
  // Logged without the body or any header value: both may carry secrets or addresses.
  if (st.code() == Code::kUnauthenticated) {
    spdlog::warn("notify callback from {} refused: {} (request {})", provider, st.message(), req.request_id);
    return http::problem(401, "invalid-callback-signature", "Invalid callback signature", st.message(),
                         req.request_id);
  }
  if (st.code() == Code::kUnavailable)
    return http::problem(503, "callback-not-configured", "Callback not configured", st.message(), req.request_id);
  return error_response(st, req);
}

// application/x-www-form-urlencoded, decoded ('+' is a space), in order.
notify::signatures::Params form_params(std::string_view body) {
  notify::signatures::Params out;
  while (!body.empty()) {
    size_t amp = body.find('&');
    std::string_view pair = body.substr(0, amp);
    body = amp == std::string_view::npos ? std::string_view() : body.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    out.emplace_back(http::percent_decode(key, true), http::percent_decode(value, true));
  }
  return out;
}

Response sendgrid(const NotifyDeps& s, Request& req) {
  auto moved = notify::sendgrid_callback(*s.notify, settings(s), req.header("x-twilio-email-event-webhook-signature"),
                                         req.header("x-twilio-email-event-webhook-timestamp"), req.body,
                                         s.clock->now_ms());
  return answer(moved, "sendgrid", req);
}

Response mailgun(const NotifyDeps& s, Request& req) {
  return answer(notify::mailgun_callback(*s.notify, settings(s), req.body, s.clock->now_ms()), "mailgun", req);
}

Response twilio(const NotifyDeps& s, Request& req) {
  auto cfg = settings(s);
  // Twilio signs the URL it called; behind proxies only configuration knows
  // it. The path and query are the request's own, so one base serves all.
  std::string base = s.config->get(notify_keys::kCallbackPublicUrl);
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!base.empty()) cfg.twilio_url = base + req.target;
  return answer(notify::twilio_callback(*s.notify, cfg, req.header("x-twilio-signature"), form_params(req.body)),
                "twilio", req);
}

}  // namespace

void notify_callback_routes(std::vector<http::Route>& out, const NotifyDeps& deps) {
  RouteTable t(out, deps);
  const auto kPublic = http::Access::kPublic;
  t.add({"POST", "/v1/notifications/callbacks/sendgrid", t.pool(sendgrid), kPublic});
  t.add({"POST", "/v1/notifications/callbacks/mailgun", t.pool(mailgun), kPublic});
  t.add({"POST", "/v1/notifications/callbacks/twilio", t.pool(twilio), kPublic});
}

}  // namespace sb::api
