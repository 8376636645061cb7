// HTTP adapters for identity: /v1/auth/* and /.well-known/jwks.json. Every
// handler that hashes a password, writes the Db or sends a message runs on
// the blocking pool. Token responses carry Cache-Control: no-store.
#pragma once

#include "api/services.h"
#include "config/key.h"
#include "http/message.h"

namespace sb::api {

// Read on every request that adds a way to sign in: a change applies at once.
inline const config::Key<int64_t> kReauthWindow{
    "identity.reauth_window_s", 900, "Enrolling TOTP or adding a phone needs a sign-in at most this old (seconds)",
    config::between(60, 86400), config::hot};

void auth_register(const Services& s, http::Request& req, http::Respond respond);
void auth_login(const Services& s, http::Request& req, http::Respond respond);
void auth_refresh(const Services& s, http::Request& req, http::Respond respond);
void auth_logout(const Services& s, http::Request& req, http::Respond respond);
void auth_logout_all(const Services& s, http::Request& req, http::Respond respond);
void auth_me(const Services& s, http::Request& req, http::Respond respond);
void auth_otp_send(const Services& s, http::Request& req, http::Respond respond);
void auth_otp_verify(const Services& s, http::Request& req, http::Respond respond);
void auth_email_send_verification(const Services& s, http::Request& req, http::Respond respond);
void auth_email_verify(const Services& s, http::Request& req, http::Respond respond);
void auth_password_forgot(const Services& s, http::Request& req, http::Respond respond);
void auth_password_reset(const Services& s, http::Request& req, http::Respond respond);
void auth_totp_enroll(const Services& s, http::Request& req, http::Respond respond);
void auth_totp_confirm(const Services& s, http::Request& req, http::Respond respond);
void auth_totp_disable(const Services& s, http::Request& req, http::Respond respond);
void auth_mfa_verify(const Services& s, http::Request& req, http::Respond respond);
void auth_recovery_codes(const Services& s, http::Request& req, http::Respond respond);
http::Response jwks(const Services& s, http::Request& req);

}  // namespace sb::api
