// Shared by the AuthService integration tests (auth_*_test.cpp): a recording Notifier, fast test options, and a
// fixture with a fresh database per engine, a ManualClock and an AuthService.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>

#include "core/clock.h"
#include "events/event_log.h"
#include "identity/auth_service.h"
#include "store/db.h"
#include "test_databases.h"

namespace sb::identity {

using namespace std::chrono_literals;
using sb::test::open_test_db;

inline constexpr const char* kPassword = "Glacier-Orbit-7731";
inline constexpr const char* kPhone = "+15551230001";
inline const ClientInfo kClient{"203.0.113.7", "test-agent/1.0"};

// Records what would have been sent; the tests read codes and links back.
class RecordingNotifier final : public Notifier {
 public:
  struct Sent {
    std::string to, subject, body;
  };
  Status send_sms(const std::string& to, const std::string& body) override {
    std::lock_guard lock(mu_);
    sms_.push_back({to, "", body});
    return {};
  }
  Status send_email(const std::string& to, const std::string& subject, const std::string& text) override {
    std::lock_guard lock(mu_);
    email_.push_back({to, subject, text});
    return {};
  }
  size_t sms_count() {
    std::lock_guard lock(mu_);
    return sms_.size();
  }
  size_t email_count() {
    std::lock_guard lock(mu_);
    return email_.size();
  }
  Sent last_sms() {
    std::lock_guard lock(mu_);
    return sms_.empty() ? Sent{} : sms_.back();
  }
  Sent last_email() {
    std::lock_guard lock(mu_);
    return email_.empty() ? Sent{} : email_.back();
  }
  // The digits after "code is " in the last SMS to `to`.
  std::string last_code(const std::string& to) {
    std::lock_guard lock(mu_);
    for (auto it = sms_.rbegin(); it != sms_.rend(); ++it) {
      if (it->to != to) continue;
      size_t p = it->body.find("code is ");
      if (p == std::string::npos) return "";
      std::string code;
      for (p += 8; p < it->body.size() && isdigit(static_cast<unsigned char>(it->body[p])); ++p) code += it->body[p];
      return code;
    }
    return "";
  }
  // The token of the last email's link (…?token=XYZ).
  std::string last_token() {
    std::string body = last_email().body;
    size_t p = body.find("token=");
    if (p == std::string::npos) return "";
    size_t end = body.find_first_of(" \n", p);
    return body.substr(p + 6, end - p - 6);
  }

 private:
  std::mutex mu_;
  std::vector<Sent> sms_, email_;
};

inline std::string text_of(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : "";
}
inline std::string data_of(const boost::json::object& ev, const char* key) {
  const auto* d = ev.if_contains("data");
  return d && d->is_object() ? text_of(d->as_object(), key) : "";
}

inline AuthOptions test_options() {
  AuthOptions o;
  o.jwt.issuer = "https://id.test";
  o.jwt.audience = "switchboard-test";
  o.jwt.access_ttl = 900s;
  o.jwt.leeway = 30s;
  o.password_hash.opslimit = 1;
  o.password_hash.memlimit = 8 * 1024;
  o.public_url = "https://app.test/";
  o.lockout_threshold = 5;
  o.master_key = std::string(32, 'M');
  return o;
}

class AuthServiceTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  AuthServiceTest() : db(open_test_db(GetParam())), log(*db, clock) {}

  void SetUp() override { auth = make(test_options()); }

  std::unique_ptr<AuthService> make(AuthOptions o) {
    AccessHooks hooks;
    hooks.on_user_created = [this](store::Tx&, const std::string& id) -> Status {
      std::lock_guard lock(hook_mu);
      created.push_back(id);
      return {};
    };
    hooks.roles_of = [](const std::string&) -> Result<std::vector<std::string>> {
      return std::vector<std::string>{"member"};
    };
    auto r = AuthService::create(*db, log, clock, notifier, hooks, std::move(o));
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  User register_alice(const std::string& phone = "") {
    auto u = auth->register_user({"Alice@Example.com", phone, kPassword}, kClient);
    EXPECT_TRUE(u.ok()) << u.status().to_string();
    return u.ok() ? *u : User{};
  }

  // kClient as the signed-in `user_id` (what the HTTP layer fills in from a
  // valid access token).
  static ClientInfo as_user(const std::string& user_id) {
    ClientInfo c = kClient;
    c.user_id = user_id;
    return c;
  }

  // The signed-in owner proves `phone` by OTP, so it signs in from then on.
  void verify_phone(const std::string& user_id, const std::string& phone) {
    ASSERT_TRUE(auth->otp_send(phone, kClient));
    auto r = auth->otp_verify(phone, notifier.last_code(phone), as_user(user_id));
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_FALSE(r->tokens.has_value());
    EXPECT_EQ(r->user_id, user_id);
    EXPECT_TRUE(auth->get_user(user_id)->phone_verified);
  }

  Tokens login_alice() {
    auto s = auth->login("alice@example.com", "", kPassword, kClient);
    EXPECT_TRUE(s.ok()) << s.status().to_string();
    if (!s.ok() || !s->tokens) return {};
    return *s->tokens;
  }

  // Events of a type, as parsed envelopes.
  std::vector<boost::json::object> events(const std::string& type) {
    auto rows = log.read({type, "", 0, 1000});
    EXPECT_TRUE(rows.ok());
    std::vector<boost::json::object> out;
    if (rows.ok())
      for (const auto& r : *rows) out.push_back(boost::json::parse(r.envelope).as_object());
    return out;
  }

  std::string totp_code(const std::string& secret_base32, int64_t step_offset = 0) {
    auto totp = Totp::create(clock);
    auto secret = base32_decode(secret_base32);
    EXPECT_TRUE(secret.has_value());
    return totp->code_at_step(*secret, totp->current_step() + step_offset);
  }

  // Enrolls and confirms TOTP; returns the base32 secret and recovery codes.
  std::pair<std::string, std::vector<std::string>> enable_mfa(const std::string& user_id) {
    auto e = auth->totp_enroll(user_id);
    EXPECT_TRUE(e.ok()) << e.status().to_string();
    auto codes = auth->totp_confirm(user_id, totp_code(e->secret_base32));
    EXPECT_TRUE(codes.ok()) << codes.status().to_string();
    clock.advance(30s);  // the confirming code's step is spent
    return {e->secret_base32, codes.ok() ? *codes : std::vector<std::string>{}};
  }

  ManualClock clock;
  sb::test::TestDb db;
  events::EventLog log;
  RecordingNotifier notifier;
  std::mutex hook_mu;
  std::vector<std::string> created;
  std::unique_ptr<AuthService> auth;
};

}  // namespace sb::identity
