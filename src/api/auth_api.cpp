#include "api/auth_api.h"

#include <map>

#include "access/access_control.h"
#include "api/json_body.h"
#include "resilience/rate_rules.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/json.h"
#include "http/problem.h"
#include "identity/auth_service.h"

namespace sb::api {

namespace bj = boost::json;
using http::Request;
using http::Response;
using identity::ClientInfo;

namespace {

using Fields = std::map<std::string, std::string>;

// The string fields of a JSON object body. `required` lists those that must
// be present; every other listed field is optional. A route whose fields are
// all optional accepts an empty body.
Result<Fields> read_fields(const Request& req, std::initializer_list<const char*> required,
                           std::initializer_list<const char*> optional = {}) {
  Fields out;
  if (req.body.empty() && required.size() == 0) return out;
  SB_ASSIGN(bj::value body, json_body(req));
  if (!body.is_object()) return Status::invalid("body", "must be a JSON object");
  std::vector<FieldError> errs;
  auto read = [&](const char* name, bool req_field) {
    std::string v;
    Status st = json::get_string(body.get_object(), name, v, req_field);
    if (!st) {
      for (auto& f : st.fields()) errs.push_back(f);
      return;
    }
    if (req_field && v.empty()) errs.push_back({std::string("/") + name, "must not be empty"});
    out[name] = std::move(v);
  };
  for (const char* f : required) read(f, true);
  for (const char* f : optional) read(f, false);
  if (!errs.empty()) return Status::invalid(std::move(errs));
  return out;
}

ClientInfo client_of(const Request& req) {
  return ClientInfo{req.remote_ip, std::string(req.header("user-agent")), req.user_id};
}

Response no_store(Response r) {
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

bj::object user_json(const identity::User& u) {
  bj::object o{{"id", u.id},
               {"email_verified", u.email_verified},
               {"phone_verified", u.phone_verified},
               {"mfa_enabled", u.mfa_enabled},
               {"created_at", format_rfc3339(u.created_at_ms)}};
  o["email"] = u.email.empty() ? bj::value(nullptr) : bj::value(u.email);
  o["phone"] = u.phone.empty() ? bj::value(nullptr) : bj::value(u.phone);
  return o;
}

bj::object tokens_json(const identity::Tokens& t) {
  return bj::object{{"access_token", t.access_token},
                    {"refresh_token", t.refresh_token},
                    {"token_type", t.token_type},
                    {"expires_in", t.expires_in},
                    {"session_id", t.session_id}};
}

Response sign_in_response(const identity::SignIn& in) {
  if (in.mfa_required)
    return no_store(json_response(200, bj::object{{"mfa_required", true}, {"mfa_token", in.mfa_token}}));
  if (in.tokens) return no_store(json_response(200, tokens_json(*in.tokens)));
  // Verification only (OTP with login turned off).
  return json_response(200, bj::object{{"verified", true}});
}

Response codes_response(const std::vector<std::string>& codes) {
  bj::array arr;
  for (auto& c : codes) arr.emplace_back(c);
  return no_store(json_response(200, bj::object{{"recovery_codes", std::move(arr)}}));
}

// A 429 from a handler-level rule, with the limiter's headers.
Response limited(const Status& st, const Request& req, std::vector<std::pair<std::string, std::string>>& headers) {
  Response r = error_response(st, req);
  for (auto& h : headers) r.set_header(std::move(h.first), std::move(h.second));
  return r;
}

// Adding a way to sign in (an authenticator app, a phone) needs a recent
// sign-in, not just a valid token: a stolen access token, refreshed or not,
// must not be able to plant the attacker's second factor or phone.
// The refusal, or nullopt when the caller signed in recently enough.
std::optional<Response> needs_recent_sign_in(const IdentityDeps& s, const Request& req) {
  int64_t window_s = s.config->get(kReauthWindow);
  int64_t now_s = Clock::system().now_ms() / 1000;
  if (req.auth_time > 0 && now_s - req.auth_time <= window_s) return std::nullopt;
  return error_response(Status::permission_denied("sign in again: this change needs a sign-in from the last " +
                                                  std::to_string(window_s / 60) + " minutes"),
                        req);
}



}  // namespace

Response auth_register(const IdentityDeps& s, Request& req) {
  auto fields = read_fields(req, {"password"}, {"email", "phone"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  identity::RegisterInput in{f["email"], f["phone"], f["password"]};
  auto user = s.auth->register_user(in, client_of(req));
  if (!user.ok()) return error_response(user.status(), req);
  return json_response(201, user_json(*user)).with_header("Location", "/v1/auth/me");
}

Response auth_login(const IdentityDeps& s, Request& req) {
  auto fields = read_fields(req, {"password"}, {"email", "phone"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  Fields& v = f;
  if (v["email"].empty() == v["phone"].empty())
    return error_response(Status::invalid("/email", "give exactly one of email or phone"), req);
  std::vector<std::pair<std::string, std::string>> headers;
  std::string account = identity::account_key(v["email"].empty() ? v["phone"] : v["email"]);
  if (Status st = s.limits->take("auth.login.account", account, headers); !st)
    return limited(st, req, headers);
  auto in = s.auth->login(v["email"], v["phone"], v["password"], client_of(req));
  if (!in.ok()) return error_response(in.status(), req);
  return sign_in_response(*in);
}

Response auth_refresh(const IdentityDeps& s, Request& req) {
  auto fields = read_fields(req, {"refresh_token"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  auto t = s.auth->refresh(f["refresh_token"], client_of(req));
  if (!t.ok()) return error_response(t.status(), req);
  return no_store(json_response(200, tokens_json(*t)));
}

Response auth_logout(const IdentityDeps& s, Request& req) {
  if (auto refused = needs_user(req)) return *refused;
  if (Status st = s.auth->logout(req.user_id, req.session_id); !st) return error_response(st, req);
  return Response{204};
}

Response auth_logout_all(const IdentityDeps& s, Request& req) {
  if (auto refused = needs_user(req)) return *refused;
  if (Status st = s.auth->logout_all(req.user_id); !st) return error_response(st, req);
  return Response{204};
}

Response auth_me(const IdentityDeps& s, Request& req) {
  if (auto refused = needs_user(req)) return *refused;
  auto u = s.auth->get_user(req.user_id);
  if (!u.ok()) return error_response(u.status(), req);
  bj::object o = user_json(*u);
  o["session_id"] = req.session_id;
  if (s.access) {
    auto eff = s.access->effective(req.user_id);
    if (eff.ok()) {
      bj::array roles, perms;
      for (auto& r : (*eff)->roles) roles.emplace_back(r);
      for (auto& p : (*eff)->allow) perms.emplace_back(p);
      o["roles"] = std::move(roles);
      o["permissions"] = std::move(perms);
    }
  }
  return json_response(200, o);
}

Response auth_otp_send(const IdentityDeps& s, Request& req) {
  auto fields = read_fields(req, {"phone"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  std::vector<std::pair<std::string, std::string>> headers;
  if (Status st = s.limits->take("auth.otp_send.phone", identity::account_key(f["phone"]), headers); !st)
    return limited(st, req, headers);
  if (Status st = s.auth->otp_send(f["phone"], client_of(req)); !st) return error_response(st, req);
  return json_response(202, bj::object{{"sent", true}});
}

Response auth_otp_verify(const IdentityDeps& s, Request& req) {
  auto fields = read_fields(req, {"phone", "code"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  if (!req.user_id.empty())
    if (auto refused = needs_recent_sign_in(s, req)) return *refused;
  auto in = s.auth->otp_verify(f["phone"], f["code"], client_of(req));
  if (!in.ok()) return error_response(in.status(), req);
  return sign_in_response(*in);
}

Response auth_email_send_verification(const IdentityDeps& s, Request& req) {
  if (auto refused = needs_user(req)) return *refused;
  if (Status st = s.auth->send_email_verification(req.user_id); !st) return error_response(st, req);
  return json_response(202, bj::object{{"sent", true}});
}

Response auth_email_verify(const IdentityDeps& s, Request& req) {
  auto fields = read_fields(req, {"token"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  auto u = s.auth->verify_email(f["token"]);
  if (!u.ok()) return error_response(u.status(), req);
  return json_response(200, user_json(*u));
}

Response auth_password_forgot(const IdentityDeps& s, Request& req) {
  auto fields = read_fields(req, {"email"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  std::vector<std::pair<std::string, std::string>> headers;
  if (Status st = s.limits->take("auth.password.email", identity::account_key(f["email"]), headers); !st)
    return limited(st, req, headers);
  if (Status st = s.auth->forgot_password(f["email"], client_of(req)); !st) return error_response(st, req);
  return json_response(202, bj::object{{"sent", true}});
}

Response auth_password_reset(const IdentityDeps& s, Request& req) {
  auto fields = read_fields(req, {"token", "password"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  if (Status st = s.auth->reset_password(f["token"], f["password"]); !st) return error_response(st, req);
  return Response{204};
}

Response auth_totp_enroll(const IdentityDeps& s, Request& req) {
  if (auto refused = needs_user(req)) return *refused;
  if (auto refused = needs_recent_sign_in(s, req)) return *refused;
  auto e = s.auth->totp_enroll(req.user_id);
  if (!e.ok()) return error_response(e.status(), req);
  return no_store(json_response(200, bj::object{{"secret", e->secret_base32}, {"otpauth_uri", e->otpauth_uri}}));
}

Response auth_totp_confirm(const IdentityDeps& s, Request& req) {
  if (auto refused = needs_user(req)) return *refused;
  if (auto refused = needs_recent_sign_in(s, req)) return *refused;
  auto fields = read_fields(req, {"code"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  auto codes = s.auth->totp_confirm(req.user_id, f["code"]);
  if (!codes.ok()) return error_response(codes.status(), req);
  return codes_response(*codes);
}

Response auth_totp_disable(const IdentityDeps& s, Request& req) {
  if (auto refused = needs_user(req)) return *refused;
  auto fields = read_fields(req, {"code"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  if (Status st = s.auth->totp_disable(req.user_id, f["code"]); !st) return error_response(st, req);
  return Response{204};
}

Response auth_mfa_verify(const IdentityDeps& s, Request& req) {
  auto fields = read_fields(req, {"mfa_token"}, {"code", "recovery_code"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  if (f["code"].empty() == f["recovery_code"].empty())
    return error_response(Status::invalid("/code", "give exactly one of code or recovery_code"), req);
  auto t = s.auth->mfa_verify(f["mfa_token"], f["code"], f["recovery_code"], client_of(req));
  if (!t.ok()) return error_response(t.status(), req);
  return no_store(json_response(200, tokens_json(*t)));
}

Response auth_recovery_codes(const IdentityDeps& s, Request& req) {
  if (auto refused = needs_user(req)) return *refused;
  auto fields = read_fields(req, {"code"});
  if (!fields.ok()) return error_response(fields.status(), req);
  Fields& f = *fields;
  auto codes = s.auth->regenerate_recovery_codes(req.user_id, f["code"]);
  if (!codes.ok()) return error_response(codes.status(), req);
  return codes_response(*codes);
}

// ---- operators (the dashboard's Users page)

// An account by its exact email or phone: a lookup, not a listing, so no
// caller pages through every account. Unknown answers an empty list.
Response users_find(const IdentityDeps& s, Request& req) {
  auto u = s.auth->find_user(std::string(req.query_param("email").value_or("")),
                             std::string(req.query_param("phone").value_or("")));
  bj::array users;
  if (u.ok()) users.push_back(user_json(*u));
  else if (u.status().code() != Code::kNotFound) return error_response(u.status(), req);
  return json_response(200, bj::object{{"users", std::move(users)}});
}

Response users_get(const IdentityDeps& s, Request& req) {
  auto u = s.auth->get_user(req.params["id"]);
  if (!u.ok()) return error_response(u.status(), req);
  return json_response(200, user_json(*u));
}

// Signs the user out everywhere (as their own logout-all does).
Response users_revoke_sessions(const IdentityDeps& s, Request& req) {
  if (Status st = s.auth->logout_all(req.params["id"]); !st) return error_response(st, req);
  return Response{204, {}, {}, nullptr};
}

Response jwks(const IdentityDeps& s, Request&) {
  // Verifiers cache it; a rotation keeps the previous key listed until its
  // tokens expire, so a few minutes of staleness is safe.
  return Response::json(200, s.auth->keys().jwks_json()).with_header("Cache-Control", "public, max-age=300");
}

}  // namespace sb::api
