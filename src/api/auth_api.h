// HTTP adapters for identity: /v1/auth/* and /.well-known/jwks.json. Every
// handler that hashes a password, writes the Db or sends a message runs on
// the blocking pool. Token responses carry Cache-Control: no-store.
#pragma once

#include "api/component.h"
#include "config/key.h"
#include "http/message.h"

namespace sb::identity { class AuthService; }
namespace sb::access { class AccessControl; }
namespace sb::config { class ConfigService; }
namespace sb::resilience { class RateRules; }

namespace sb::api {

// Read on every request that adds a way to sign in: a change applies at once.
inline const config::Key<int64_t> kReauthWindow{
    "identity.reauth_window_s", 900, "Enrolling TOTP or adding a phone needs a sign-in at most this old (seconds)",
    config::between(60, 86400), config::hot};


struct IdentityDeps {
  identity::AuthService* auth = nullptr;
  access::AccessControl* access = nullptr;
  config::ConfigService* config = nullptr;
  resilience::RateRules* limits = nullptr;  // per-account/phone rules the handlers take
};


http::Response auth_register(const IdentityDeps& s, http::Request& req);
http::Response auth_login(const IdentityDeps& s, http::Request& req);
http::Response auth_refresh(const IdentityDeps& s, http::Request& req);
http::Response auth_logout(const IdentityDeps& s, http::Request& req);
http::Response auth_logout_all(const IdentityDeps& s, http::Request& req);
http::Response auth_me(const IdentityDeps& s, http::Request& req);
// Operators: GET /v1/users?email=|phone= (users:read), GET /v1/users/{id}
// (users:read), POST /v1/users/{id}/sessions/revoke (sessions:revoke).
http::Response users_find(const IdentityDeps& s, http::Request& req);
http::Response users_get(const IdentityDeps& s, http::Request& req);
http::Response users_revoke_sessions(const IdentityDeps& s, http::Request& req);
http::Response auth_otp_send(const IdentityDeps& s, http::Request& req);
http::Response auth_otp_verify(const IdentityDeps& s, http::Request& req);
http::Response auth_email_send_verification(const IdentityDeps& s, http::Request& req);
http::Response auth_email_verify(const IdentityDeps& s, http::Request& req);
http::Response auth_password_forgot(const IdentityDeps& s, http::Request& req);
http::Response auth_password_reset(const IdentityDeps& s, http::Request& req);
http::Response auth_totp_enroll(const IdentityDeps& s, http::Request& req);
http::Response auth_totp_confirm(const IdentityDeps& s, http::Request& req);
http::Response auth_totp_disable(const IdentityDeps& s, http::Request& req);
http::Response auth_mfa_verify(const IdentityDeps& s, http::Request& req);
http::Response auth_recovery_codes(const IdentityDeps& s, http::Request& req);
http::Response jwks(const IdentityDeps& s, http::Request& req);


}  // namespace sb::api
