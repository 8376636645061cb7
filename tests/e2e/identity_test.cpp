// Identity and access end to end, against the built binary, as a user of an
// app built on Switchboard would go through it. Codes and links are read back
// where a person would find them: the SMS from the console provider's outbox
// (the "phone"), the email from a real SMTP server (the "inbox"). TOTP codes
// are computed from the enrolled secret, as an authenticator app would.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/crypto.h"
#include "curl_client.h"
#include "eventually.h"
#include "identity/totp.h"
#include "server_process.h"
#include "smtp_server.h"

namespace sb::test {
namespace {

namespace bj = boost::json;

class Identity : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.start()) << server.output();
    // Email goes to the real SMTP server; SMS stays on the console provider.
    ASSERT_EQ(admin("PUT", "/v1/config/email.smtp.host", R"({"value":"127.0.0.1"})").status, 200);
    ASSERT_EQ(admin("PUT", "/v1/config/email.smtp.port", R"({"value":)" + std::to_string(smtp.port()) + "}").status, 200);
    ASSERT_EQ(admin("PUT", "/v1/config/email.smtp.tls", R"({"value":"none"})").status, 200);
    ASSERT_EQ(admin("PUT", "/v1/config/email.providers", R"({"value":["smtp"]})").status, 200);
  }

  HttpResult admin(const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(method, server.url(path), body, {server.auth_header(), "Content-Type: application/json"});
  }
  HttpResult as(const std::string& token, const std::string& method, const std::string& path,
                const std::string& body = "") {
    std::vector<std::string> h{"Content-Type: application/json"};
    if (!token.empty()) h.push_back("Authorization: Bearer " + token);
    return http_request(method, server.url(path), body, h);
  }
  HttpResult anon(const std::string& method, const std::string& path, const std::string& body) {
    return as("", method, path, body);
  }

  // The newest SMS to `phone` in the console provider's outbox.
  std::string last_sms_to(const std::string& phone) {
    std::ifstream in(std::filesystem::path(server.data_dir()) / "outbox" / "sms.log");
    std::string line, body;
    while (std::getline(in, line)) {
      auto v = bj::parse(line);
      if (v.at("to").as_string() == phone) body = std::string(v.at("body").as_string());
    }
    return body;
  }
  static std::string first_match(const std::string& text, const std::string& re) {
    std::smatch m;
    if (!std::regex_search(text, m, std::regex(re))) return "";
    return m[1].str();
  }
  // The `token=` value of the newest email to `to` whose subject contains `subject_part`.
  std::string link_token(const std::string& to, const std::string& subject_part) {
    std::string token;
    for (auto& m : smtp.messages()) {
      if (m.header("To").find(to) == std::string::npos || m.header("Subject").find(subject_part) == std::string::npos)
        continue;
      // The text part is quoted-printable: undo soft line breaks and "=3D" as a mail client would.
      std::string text = std::regex_replace(m.body(), std::regex("=\r?\n"), "");
      text = std::regex_replace(text, std::regex("=3D"), "=");
      token = first_match(text, "token=([A-Za-z0-9_-]+)");
      // The link points at the listen address (the default identity.public_url).
      EXPECT_TRUE(text.find("http://127.0.0.1:0/verify-email?token=") != std::string::npos ||
                  text.find("http://127.0.0.1:0/reset-password?token=") != std::string::npos)
          << text;
    }
    return token;
  }
  std::string totp_code(const std::string& secret_base32, int64_t step_offset = 0) {
    auto secret = identity::base32_decode(secret_base32);
    EXPECT_TRUE(secret.has_value());
    int64_t step = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count() / 30 + step_offset;
    return identity::hotp(*secret, static_cast<uint64_t>(step)).value();
  }
  // The payload of a JWT as any client can read it (base64url, unverified).
  static bj::object jwt_claims(const std::string& jwt) {
    std::string b64 = jwt.substr(jwt.find('.') + 1, jwt.rfind('.') - jwt.find('.') - 1);
    for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (b64.size() % 4) b64 += '=';
    return bj::parse(*crypto::base64_decode(b64)).as_object();
  }
  static bj::object json(const HttpResult& r) { return bj::parse(r.body).as_object(); }
  static std::string str(const bj::object& o, const char* k) { return std::string(o.at(k).as_string()); }

  SmtpServer smtp;
  ServerProcess server{std::map<std::string, std::string>{
      {"SWITCHBOARD_EVENTS__POLL_MS", "50"},
      // Cheap hashing keeps the test fast; production defaults are t=3, 64 MiB.
      {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_OPS", "1"},
      {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_MEM_KIB", "64"},
      // No growing wait between failed logins, so the per-account rate limit is what answers 429 here
      // (the wait itself is covered in tests/integration/auth_service_test.cpp).
      {"SWITCHBOARD_IDENTITY__LOCKOUT__DELAY_BASE_MS", "0"}}};
};

TEST_F(Identity, PhoneSignUpEmailVerificationTotpMfaRefreshReuseAnd403) {
  const std::string phone = "+15551230001";
  const std::string email = "ada@example.com";
  const std::string password = "correct horse battery staple";

  // 1. Register with email, phone and password: the verification link goes to the inbox.
  auto reg = anon("POST", "/v1/auth/register",
                  R"({"email":")" + email + R"(","phone":")" + phone + R"(","password":")" + password + R"("})");
  ASSERT_EQ(reg.status, 201) << reg.body;
  std::string user_id = str(json(reg), "id");
  EXPECT_FALSE(json(reg).at("phone_verified").as_bool());

  // 2. Sign in with the password, then prove the phone: the code arrives by SMS and is
  //    verified while signed in (a phone typed at registration is only a claim until then).
  auto first_login = anon("POST", "/v1/auth/login", R"({"email":")" + email + R"(","password":")" + password + R"("})");
  ASSERT_EQ(first_login.status, 200) << first_login.body;
  std::string access = str(json(first_login), "access_token");
  ASSERT_EQ(anon("POST", "/v1/auth/otp/send", R"({"phone":")" + phone + R"("})").status, 202);
  std::string code;
  ASSERT_TRUE(eventually([&] { return !(code = first_match(last_sms_to(phone), "([0-9]{6})")).empty(); }));
  auto wrong = as(access, "POST", "/v1/auth/otp/verify", R"({"phone":")" + phone + R"(","code":"000000"})");
  EXPECT_EQ(wrong.status, code == "000000" ? 200 : 401);
  auto otp = as(access, "POST", "/v1/auth/otp/verify", R"({"phone":")" + phone + R"(","code":")" + code + R"("})");
  ASSERT_EQ(otp.status, 200) << otp.body;
  // A code works once.
  EXPECT_EQ(as(access, "POST", "/v1/auth/otp/verify", R"({"phone":")" + phone + R"(","code":")" + code + R"("})").status,
            401);

  auto me = as(access, "GET", "/v1/auth/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(str(json(me), "id"), user_id);
  EXPECT_TRUE(json(me).at("phone_verified").as_bool());
  EXPECT_FALSE(json(me).at("email_verified").as_bool());

  // 3. Email verification with the link from the inbox; the link is single-use.
  std::string token;
  ASSERT_TRUE(eventually([&] { return !(token = link_token(email, "erif")).empty(); }));
  auto verified = anon("POST", "/v1/auth/email/verify", R"({"token":")" + token + R"("})");
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_TRUE(json(verified).at("email_verified").as_bool());
  EXPECT_EQ(anon("POST", "/v1/auth/email/verify", R"({"token":")" + token + R"("})").status, 401);

  // 4. TOTP enrollment: scan the secret, confirm with a first code, keep the recovery codes.
  auto enroll = as(access, "POST", "/v1/auth/mfa/totp/enroll");
  ASSERT_EQ(enroll.status, 200) << enroll.body;
  std::string secret = str(json(enroll), "secret");
  EXPECT_EQ(str(json(enroll), "otpauth_uri").rfind("otpauth://totp/", 0), 0u);
  auto confirm = as(access, "POST", "/v1/auth/mfa/totp/confirm", R"({"code":")" + totp_code(secret) + R"("})");
  ASSERT_EQ(confirm.status, 200) << confirm.body;
  ASSERT_EQ(json(confirm).at("recovery_codes").as_array().size(), 10u);
  std::string recovery = std::string(json(confirm).at("recovery_codes").as_array()[0].as_string());

  // 5. Login now asks for the second factor.
  auto login = anon("POST", "/v1/auth/login", R"({"email":")" + email + R"(","password":")" + password + R"("})");
  ASSERT_EQ(login.status, 200) << login.body;
  ASSERT_TRUE(json(login).at("mfa_required").as_bool());
  EXPECT_FALSE(json(login).contains("access_token"));
  std::string mfa_token = str(json(login), "mfa_token");
  // The confirm code's step is spent; the next step's code (inside the ±1 window) completes it.
  auto mfa = anon("POST", "/v1/auth/mfa/verify",
                  R"({"mfa_token":")" + mfa_token + R"(","code":")" + totp_code(secret, 1) + R"("})");
  ASSERT_EQ(mfa.status, 200) << mfa.body;
  EXPECT_EQ(mfa.headers["cache-control"], "no-store");
  std::string refresh1 = str(json(mfa), "refresh_token");
  access = str(json(mfa), "access_token");
  // The access token says how the user signed in.
  auto claims = jwt_claims(access);
  std::string payload = bj::serialize(claims);
  EXPECT_EQ(str(claims, "sub"), user_id);
  bool has_mfa = false;
  for (auto& a : claims.at("amr").as_array()) has_mfa |= a.as_string() == "mfa";
  EXPECT_TRUE(has_mfa) << payload;
  // A recovery code also completes an MFA login, once.
  auto login2 = anon("POST", "/v1/auth/login", R"({"email":")" + email + R"(","password":")" + password + R"("})");
  std::string mfa_token2 = str(json(login2), "mfa_token");
  EXPECT_EQ(anon("POST", "/v1/auth/mfa/verify",
                 R"({"mfa_token":")" + mfa_token2 + R"(","recovery_code":")" + recovery + R"("})").status, 200);

  // 6. Refresh rotation with reuse detection.
  auto r2 = anon("POST", "/v1/auth/refresh", R"({"refresh_token":")" + refresh1 + R"("})");
  ASSERT_EQ(r2.status, 200) << r2.body;
  std::string refresh2 = str(json(r2), "refresh_token");
  std::string access2 = str(json(r2), "access_token");
  EXPECT_NE(refresh2, refresh1);
  // A refreshed token keeps the time the user signed in (auth_time), so routes that
  // need a recent sign-in cannot be unlocked by refreshing a stolen token.
  EXPECT_EQ(jwt_claims(access2).at("auth_time"), jwt_claims(access).at("auth_time"));
  EXPECT_GT(jwt_claims(access2).at("iat").as_int64(), 0);
  EXPECT_EQ(as(access2, "GET", "/v1/auth/me").status, 200);
  // Someone replays the old refresh token: refused, and the whole session dies.
  EXPECT_EQ(anon("POST", "/v1/auth/refresh", R"({"refresh_token":")" + refresh1 + R"("})").status, 401);
  EXPECT_EQ(anon("POST", "/v1/auth/refresh", R"({"refresh_token":")" + refresh2 + R"("})").status, 401);
  EXPECT_TRUE(eventually([&] { return as(access2, "GET", "/v1/auth/me").status == 401; }));

  // 7. Permissions: a plain user gets 403 on an admin route until granted.
  auto login3 = anon("POST", "/v1/auth/login", R"({"email":")" + email + R"(","password":")" + password + R"("})");
  auto mfa3 = anon("POST", "/v1/auth/mfa/verify", R"({"mfa_token":")" + str(json(login3), "mfa_token") +
                                                       R"(","recovery_code":")" +
                                                       std::string(json(confirm).at("recovery_codes").as_array()[1].as_string()) +
                                                       R"("})");
  ASSERT_EQ(mfa3.status, 200) << mfa3.body;
  std::string access3 = str(json(mfa3), "access_token");
  auto denied = as(access3, "GET", "/v1/roles");
  EXPECT_EQ(denied.status, 403) << denied.body;
  EXPECT_EQ(denied.headers["content-type"], "application/problem+json");
  EXPECT_EQ(as("", "GET", "/v1/roles").status, 401);
  ASSERT_EQ(admin("PUT", "/v1/roles/auditor", R"({"permissions":["roles:read","events:read"]})").status / 100, 2);
  ASSERT_EQ(admin("PUT", "/v1/users/" + user_id + "/roles/auditor").status / 100, 2);
  EXPECT_TRUE(eventually([&] { return as(access3, "GET", "/v1/roles").status == 200; }));
  EXPECT_EQ(as(access3, "POST", "/v1/roles", R"({"name":"x"})").status, 403);  // read, not write
  // An explicit deny wins over the role's grant.
  ASSERT_EQ(admin("PUT", "/v1/users/" + user_id + "/permissions/roles:read", R"({"effect":"deny"})").status / 100, 2);
  EXPECT_TRUE(eventually([&] { return as(access3, "GET", "/v1/roles").status == 403; }));

  // 8. Logout: the session's access token stops working before it expires.
  EXPECT_EQ(as(access3, "POST", "/v1/auth/logout").status, 204);
  EXPECT_TRUE(eventually([&] { return as(access3, "GET", "/v1/auth/me").status == 401; }));

  // Nothing secret reached the event log.
  auto events = admin("GET", "/v1/events?type=user.*&limit=1000");
  auto sessions = admin("GET", "/v1/events?type=session.*&limit=1000");
  for (const std::string& secret_text : {password, code, token, secret, recovery, refresh1, mfa_token}) {
    EXPECT_EQ(events.body.find(secret_text), std::string::npos) << secret_text;
    EXPECT_EQ(sessions.body.find(secret_text), std::string::npos) << secret_text;
  }
  EXPECT_NE(events.body.find("user.registered"), std::string::npos);
  EXPECT_NE(events.body.find("user.mfa_enabled"), std::string::npos);
}

// Sign-up by phone alone: the first verified code creates the account.
TEST_F(Identity, PhoneOtpAloneCreatesTheAccountAndSignsIn) {
  const std::string phone = "+15551230002";
  // Someone registered this number first without proving it: verifying the code must not
  // lead the number's owner into that person's account.
  auto squatter = anon("POST", "/v1/auth/register", R"({"phone":")" + phone + R"(","password":"squatter passphrase 1"})");
  ASSERT_EQ(squatter.status, 201) << squatter.body;
  ASSERT_EQ(anon("POST", "/v1/auth/otp/send", R"({"phone":")" + phone + R"("})").status, 202);
  // A second code within the cooldown is refused.
  EXPECT_EQ(anon("POST", "/v1/auth/otp/send", R"({"phone":")" + phone + R"("})").status, 429);
  std::string code;
  ASSERT_TRUE(eventually([&] { return !(code = first_match(last_sms_to(phone), "([0-9]{6})")).empty(); }));
  auto in = anon("POST", "/v1/auth/otp/verify", R"({"phone":")" + phone + R"(","code":")" + code + R"("})");
  ASSERT_EQ(in.status, 200) << in.body;
  std::string access = str(json(in), "access_token");
  auto me = as(access, "GET", "/v1/auth/me");
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(str(json(me), "phone"), phone);
  EXPECT_NE(str(json(me), "id"), str(json(squatter), "id"));
  EXPECT_TRUE(json(me).at("phone_verified").as_bool());
  EXPECT_EQ(json(me).at("roles"), bj::parse(R"(["user"])"));
  EXPECT_EQ(as(access, "POST", "/v1/events", R"({"specversion":"1.0","id":"x","source":"/t","type":"t.x"})").status, 403);
  // Malformed input names the field.
  auto bad = anon("POST", "/v1/auth/otp/send", R"({"phone":"555-1234"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("/phone"), std::string::npos) << bad.body;
}

TEST_F(Identity, AnswersDoNotRevealWhetherAnAccountExists) {
  const std::string password = "an entirely decent passphrase";
  ASSERT_EQ(anon("POST", "/v1/auth/register", R"({"email":"known@example.com","password":")" + password + R"("})").status,
            201);
  auto known = anon("POST", "/v1/auth/login", R"({"email":"known@example.com","password":"wrong password 123"})");
  auto unknown = anon("POST", "/v1/auth/login", R"({"email":"nobody@example.com","password":"wrong password 123"})");
  EXPECT_EQ(known.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(json(known).at("detail"), json(unknown).at("detail"));
  auto f1 = anon("POST", "/v1/auth/password/forgot", R"({"email":"known@example.com"})");
  auto f2 = anon("POST", "/v1/auth/password/forgot", R"({"email":"nobody@example.com"})");
  EXPECT_EQ(f1.status, f2.status);
  EXPECT_EQ(f1.body, f2.body);

  // The reset link works once, signs every session out, and the new password works.
  std::string token;
  ASSERT_TRUE(eventually([&] { return !(token = link_token("known@example.com", "eset")).empty(); }));
  const std::string next = "a brand new passphrase";
  EXPECT_EQ(anon("POST", "/v1/auth/password/reset", R"({"token":")" + token + R"(","password":")" + next + R"("})").status,
            204);
  EXPECT_EQ(anon("POST", "/v1/auth/password/reset", R"({"token":")" + token + R"(","password":")" + next + R"("})").status,
            401);
  EXPECT_EQ(anon("POST", "/v1/auth/login", R"({"email":"known@example.com","password":")" + password + R"("})").status,
            401);
  EXPECT_EQ(anon("POST", "/v1/auth/login", R"({"email":"known@example.com","password":")" + next + R"("})").status,
            200);
}

TEST_F(Identity, LoginRateLimitAnswers429WithRetryAfterAndRateLimitHeaders) {
  // Default: 5 logins per minute per account.
  std::string body = R"({"email":"victim@example.com","password":"guess guess guess"})";
  for (int i = 0; i < 5; ++i) {
    auto r = anon("POST", "/v1/auth/login", body);
    EXPECT_EQ(r.status, 401);
    EXPECT_FALSE(r.headers["ratelimit-remaining"].empty());
  }
  auto limited = anon("POST", "/v1/auth/login", body);
  EXPECT_EQ(limited.status, 429);
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  EXPECT_EQ(limited.headers["ratelimit-remaining"], "0");
  EXPECT_EQ(limited.headers["content-type"], "application/problem+json");
  // Operators see refusals per rule.
  EXPECT_NE(anon("GET", "/metrics", "").body.find(R"(sb_ratelimit_refused_total{rule="auth.login.account"} 1)"),
            std::string::npos);
  // Rules reload at runtime: turning the per-account rule off lets attempts through at once.
  ASSERT_EQ(admin("PUT", "/v1/config/ratelimit.auth.login.account", R"({"value":"off"})").status, 200);
  EXPECT_TRUE(eventually([&] { return anon("POST", "/v1/auth/login", body).status == 401; }));
  EXPECT_EQ(admin("PUT", "/v1/config/ratelimit.auth.login.account", R"({"value":"1/1z"})").status, 400);
  // OTP for another phone is unaffected.
  EXPECT_EQ(anon("POST", "/v1/auth/otp/send", R"({"phone":"+15551230099"})").status, 202);
  // The JWKS is public and lists the signing key.
  auto jwks = anon("GET", "/.well-known/jwks.json", "");
  ASSERT_EQ(jwks.status, 200);
  EXPECT_EQ(json(jwks).at("keys").as_array()[0].at("alg").as_string(), "EdDSA");
}

// Every 429 says when to come back (RFC 6585), including the ones the
// identity service decides itself rather than a rate-limit rule.
void expect_429_with_retry_after(HttpResult& r, int max_seconds) {
  ASSERT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.headers["content-type"], "application/problem+json");
  ASSERT_FALSE(r.headers["retry-after"].empty()) << r.body;
  int wait = std::stoi(r.headers["retry-after"]);
  EXPECT_GE(wait, 1);
  EXPECT_LE(wait, max_seconds);
}

TEST_F(Identity, OtpResendCooldownAnswers429WithRetryAfter) {
  const std::string body = R"({"phone":"+15551230077"})";
  ASSERT_EQ(anon("POST", "/v1/auth/otp/send", body).status, 202);
  auto again = anon("POST", "/v1/auth/otp/send", body);  // within identity.otp.resend_cooldown_s (60)
  expect_429_with_retry_after(again, 60);
  // The per-phone rule (3 per 10 min) has not refused anything yet: this 429 is the cooldown's.
  EXPECT_NE(json(again).at("detail").as_string().find("sent recently"), std::string::npos) << again.body;
}

TEST(IdentityThrottle, LoginDelayAfterFailuresAnswers429WithRetryAfter) {
  ServerProcess server{std::map<std::string, std::string>{
      {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_OPS", "1"},
      {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_MEM_KIB", "64"},
      // Long enough that the third attempt, made at once, is still inside the wait.
      {"SWITCHBOARD_IDENTITY__LOCKOUT__DELAY_BASE_MS", "30000"}}};
  ASSERT_TRUE(server.start()) << server.output();
  auto post = [&](const std::string& path, const std::string& body) {
    return http_request("POST", server.url(path), body, {"Content-Type: application/json"});
  };
  ASSERT_EQ(post("/v1/auth/register", R"({"email":"slow@example.com","password":"the right passphrase"})").status, 201);
  const std::string wrong = R"({"email":"slow@example.com","password":"a wrong passphrase"})";
  ASSERT_EQ(post("/v1/auth/login", wrong).status, 401);
  ASSERT_EQ(post("/v1/auth/login", wrong).status, 401);  // the second failure starts the wait
  auto held = post("/v1/auth/login", R"({"email":"slow@example.com","password":"the right passphrase"})");
  expect_429_with_retry_after(held, 30);
  // The per-account rule (5 per minute) still has room: the wait is what answered.
  EXPECT_NE(held.headers["ratelimit-remaining"], "0");
}

}  // namespace
}  // namespace sb::test
