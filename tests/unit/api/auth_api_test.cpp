// The checks auth_api makes before any service call: a change that adds a
// way to sign in (TOTP, a phone) needs a recent sign-in, not just a token.
#include <gtest/gtest.h>

#include "api/auth_api.h"
#include "api/identity_setup.h"
#include "config/config.h"
#include "core/clock.h"

namespace sb::api {
namespace {

struct Fixture : ::testing::Test {
  config::ConfigService config{nullptr, nullptr};
  IdentityDeps services;
  void SetUp() override {
    api::declare_identity_keys(config);
    services.config = &config;  // no auth, no pool: a refused call never reaches them
  }
  http::Response call(http::Response (*fn)(const IdentityDeps&, http::Request&), int64_t signed_in_ago_s,
                      std::string body = R"({"phone":"+15551230000","code":"123456"})") {
    http::Request req;
    req.method = "POST";
    req.headers = {{"content-type", "application/json"}};
    req.body = std::move(body);
    req.user_id = "u1";
    req.principal = "user:u1";
    req.auth_time = signed_in_ago_s < 0 ? 0 : Clock::system().now_ms() / 1000 - signed_in_ago_s;
    return fn(services, req);
  }
};

TEST_F(Fixture, AddingASecondFactorOrAPhoneNeedsARecentSignIn) {
  for (auto fn : {auth_totp_enroll, auth_totp_confirm, auth_otp_verify}) {
    http::Response stale = call(fn, 901);  // identity.reauth_window_s defaults to 900
    EXPECT_EQ(stale.status, 403);
    EXPECT_NE(stale.body.find("sign in again"), std::string::npos) << stale.body;
    EXPECT_EQ(call(fn, -1).status, 403);  // a token without auth_time
  }
  // The window is runtime configuration.
  config.load_env(std::vector<char*>{const_cast<char*>("SWITCHBOARD_IDENTITY__REAUTH_WINDOW_S=3600"), nullptr}.data());
  EXPECT_EQ(config.get(kReauthWindow), 3600);
}

}  // namespace
}  // namespace sb::api
