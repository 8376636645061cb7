// RateRules: the ratelimit.* rules from configuration, taken in order with
// the tightest rule's headers, changed at runtime without a restart.
#include <gtest/gtest.h>

#include "config/config.h"
#include "core/clock.h"
#include "resilience/rate_rules.h"

namespace sb::resilience {
namespace {

std::string header(const Headers& hs, const std::string& name) {
  for (auto& [k, v] : hs)
    if (k == name) return v;
  return {};
}

struct RateRulesTest : ::testing::Test {
  ManualClock clock;
  config::ConfigService config{nullptr, nullptr, clock};
  std::unique_ptr<RateRules> rules;
  void SetUp() override {
    RateRules::declare(config);
    rules = std::make_unique<RateRules>(config, clock);
  }
};

TEST_F(RateRulesTest, DefaultsLimitLoginsPerAccountAndRefuseWithTheWait) {
  Headers h;
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(rules->take("auth.login.account", "ada", h)) << i;  // 5/1m
  h.clear();
  Status refused = rules->take("auth.login.account", "ada", h);
  EXPECT_EQ(refused.code(), Code::kResourceExhausted);
  EXPECT_FALSE(header(h, "Retry-After").empty());
  EXPECT_TRUE(rules->take("auth.login.account", "bob", h));  // per key
  clock.advance(Millis(60'000));
  EXPECT_TRUE(rules->take("auth.login.account", "ada", h));
}

TEST_F(RateRulesTest, SeveralRulesStopAtTheFirstRefusalAndRulesThatAreOffAreSkipped) {
  ASSERT_TRUE(config.set("ratelimit.api.ip", boost::json::value("2/1m"), "test"));
  EXPECT_TRUE(rules->counts_every_route());
  Headers h;
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(rules->take({{"api.ip", "10.0.0.1"}, {"api.user", "u1"}}, h));
  h.clear();
  EXPECT_FALSE(rules->take({{"api.ip", "10.0.0.1"}, {"", "ignored"}}, h));
  EXPECT_EQ(header(h, "RateLimit-Remaining").empty(), false);
  // api.user is off by default: never refuses.
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(rules->take("api.user", "u1", h));
}

TEST_F(RateRulesTest, ARuntimeChangeAppliesAtOnceAndTheMasterSwitchTurnsEverythingOff) {
  ASSERT_TRUE(config.set("ratelimit.auth.login.account", boost::json::value("1/1h"), "test"));
  Headers h;
  EXPECT_TRUE(rules->take("auth.login.account", "ada", h));
  EXPECT_FALSE(rules->take("auth.login.account", "ada", h));
  ASSERT_TRUE(config.set("ratelimit.enabled", boost::json::value(false), "test"));
  EXPECT_FALSE(rules->enabled());
  EXPECT_TRUE(rules->take("auth.login.account", "ada", h));
}

}  // namespace
}  // namespace sb::resilience
