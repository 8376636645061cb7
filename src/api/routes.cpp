// The route table. Every route Switchboard serves is listed here with the
// access it requires (public, any signed-in caller, or a permission) and the
// rate-limit group it belongs to; docs/openapi.yaml documents each one.
#include "api/access_api.h"
#include "api/auth_api.h"
#include "api/config_api.h"
#include "api/events_api.h"
#include "api/health_api.h"
#include "api/messages_api.h"
#include "api/services.h"
#include "api/subscriptions_api.h"
#include "core/thread_pool.h"
#include "http/problem.h"
#include "http/router.h"

namespace sb::api {

using http::Access;
using http::Request;
using http::Respond;
using http::sync;

void add_routes(http::Router& r, const Services& s) {
  auto bind = [&s](http::Response (*fn)(const Services&, Request&)) {
    return sync([&s, fn](Request& req) { return fn(s, req); });
  };
  auto async = [&s](void (*fn)(const Services&, Request&, Respond)) {
    return [&s, fn](Request& req, Respond respond) { fn(s, req, std::move(respond)); };
  };
  // A synchronous handler that writes the Db runs on the blocking pool, so
  // its commit wait never holds an io thread.
  auto pooled = [&s](http::Response (*fn)(const Services&, Request&)) {
    return [&s, fn](Request& req, Respond respond) {
      std::string rid = req.request_id;
      if (!s.blocking->submit([&s, fn, &req, respond] { respond(fn(s, req)); }))
        respond(http::problem(Status::unavailable("server is shutting down"), rid));
    };
  };
  constexpr Access kPublic = Access::kPublic;
  constexpr Access kSignedIn = Access::kAuthenticated;
  constexpr Access kNeeds = Access::kPermission;

  // Operations
  r.add({"GET", "/health", sync(health), kPublic});
  r.add({"GET", "/ready", bind(ready), kPublic});
  r.add({"GET", "/metrics", bind(metrics), kPublic});
  // Event log
  r.add({"POST", "/v1/events", async(publish_events), kNeeds, "events:publish"});
  r.add({"GET", "/v1/events", bind(list_events), kNeeds, "events:read"});
  r.add({"GET", "/v1/events/stream", bind(stream_events), kNeeds, "events:read"});
  // Durable subscriptions
  r.add({"POST", "/v1/subscriptions", pooled(create_subscription), kNeeds, "subscriptions:write"});
  r.add({"GET", "/v1/subscriptions", bind(list_subscriptions), kNeeds, "subscriptions:read"});
  r.add({"GET", "/v1/subscriptions/{id}", bind(get_subscription), kNeeds, "subscriptions:read"});
  r.add({"DELETE", "/v1/subscriptions/{id}", pooled(delete_subscription), kNeeds, "subscriptions:write"});
  r.add({"POST", "/v1/subscriptions/{id}/replay", pooled(replay_subscription), kNeeds, "subscriptions:write"});
  // Messages (send one now through the provider chain)
  r.add({"POST", "/v1/messages/email", async(send_email), kNeeds, "messages:send"});
  r.add({"POST", "/v1/messages/sms", async(send_sms), kNeeds, "messages:send"});
  // Configuration
  r.add({"GET", "/v1/config", bind(list_config), kNeeds, "config:read", "", config_prefix_scope});
  r.add({"GET", "/v1/config/watch", bind(watch_config), kNeeds, "config:read", "", config_prefix_scope});
  r.add({"GET", "/v1/config/{key}", bind(get_config), kNeeds, "config:read", "", config_key_scope});
  r.add({"PUT", "/v1/config/{key}", pooled(put_config), kNeeds, "config:write", "", config_key_scope});
  r.add({"DELETE", "/v1/config/{key}", pooled(delete_config), kNeeds, "config:write", "", config_key_scope});
  // Identity: accounts and sessions
  r.add({"GET", "/.well-known/jwks.json", bind(jwks), kPublic});
  r.add({"POST", "/v1/auth/register", async(auth_register), kPublic, "", "auth.register"});
  r.add({"POST", "/v1/auth/login", async(auth_login), kPublic, "", "auth.login"});
  r.add({"POST", "/v1/auth/refresh", async(auth_refresh), kPublic, "", "auth.refresh"});
  r.add({"POST", "/v1/auth/logout", async(auth_logout), kSignedIn});
  r.add({"POST", "/v1/auth/logout-all", async(auth_logout_all), kSignedIn});
  r.add({"GET", "/v1/auth/me", async(auth_me), kSignedIn});
  // Identity: phone OTP, email verification, password reset
  r.add({"POST", "/v1/auth/otp/send", async(auth_otp_send), kPublic, "", "auth.otp_send"});
  // Anonymous: sign in with a verified phone. Signed in: verify or add the caller's phone.
  r.add({"POST", "/v1/auth/otp/verify", async(auth_otp_verify), Access::kOptional, "", "auth.otp_verify"});
  r.add({"POST", "/v1/auth/email/send-verification", async(auth_email_send_verification), kSignedIn, "", "auth.email"});
  r.add({"POST", "/v1/auth/email/verify", async(auth_email_verify), kPublic, "", "auth.email"});
  r.add({"POST", "/v1/auth/password/forgot", async(auth_password_forgot), kPublic, "", "auth.password"});
  r.add({"POST", "/v1/auth/password/reset", async(auth_password_reset), kPublic, "", "auth.password"});
  // Identity: second factor
  r.add({"POST", "/v1/auth/mfa/totp/enroll", async(auth_totp_enroll), kSignedIn});
  r.add({"POST", "/v1/auth/mfa/totp/confirm", async(auth_totp_confirm), kSignedIn, "", "auth.mfa"});
  r.add({"DELETE", "/v1/auth/mfa/totp", async(auth_totp_disable), kSignedIn, "", "auth.mfa"});
  r.add({"POST", "/v1/auth/mfa/verify", async(auth_mfa_verify), kPublic, "", "auth.mfa"});
  r.add({"POST", "/v1/auth/mfa/recovery-codes", async(auth_recovery_codes), kSignedIn, "", "auth.mfa"});
  // Access control
  r.add({"GET", "/v1/roles", pooled(list_roles), kNeeds, "roles:read"});
  r.add({"POST", "/v1/roles", pooled(create_role), kNeeds, "roles:write"});
  r.add({"GET", "/v1/roles/{name}", pooled(get_role), kNeeds, "roles:read"});
  r.add({"PUT", "/v1/roles/{name}", pooled(put_role), kNeeds, "roles:write"});
  r.add({"DELETE", "/v1/roles/{name}", pooled(delete_role), kNeeds, "roles:write"});
  r.add({"PUT", "/v1/users/{id}/roles/{role}", pooled(grant_user_role), kNeeds, "grants:write"});
  r.add({"DELETE", "/v1/users/{id}/roles/{role}", pooled(revoke_user_role), kNeeds, "grants:write"});
  r.add({"PUT", "/v1/users/{id}/permissions/{permission}", pooled(grant_user_permission), kNeeds, "grants:write"});
  r.add({"DELETE", "/v1/users/{id}/permissions/{permission}", pooled(revoke_user_permission), kNeeds, "grants:write"});
  r.add({"GET", "/v1/users/{id}/permissions", pooled(get_user_permissions), kNeeds, "grants:read"});
  r.add({"POST", "/v1/access/check", pooled(check_access), kNeeds, "access:check"});
}

}  // namespace sb::api
