// Typed key declarations: what a Key<T> reads back, what its options check
// and document, and how a Family stamps out members.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/config.h"

namespace sb::config {
namespace {

namespace bj = boost::json;
using Strings = std::vector<std::string>;

const Key<int64_t> kThreads{"server.threads", 0, "io threads", at_least(0)};
const Key<double> kRate{"email.breaker.failure_rate", 0.5, "share", between(0.01, 1.0), hot};
const Key<std::string> kSync{"store.sqlite_synchronous", "FULL", "fsync", one_of({"FULL", "NORMAL"}), boot};
const Key<bool> kLog{"http.access_log", true, "log"};
const Key<Strings> kRoles{"identity.default_roles", {"user"}, "roles"};
const Key<std::optional<std::string>> kUrl{"identity.public_url", std::nullopt, "links"};
const Key<std::string> kToken{"sms.webhook.token", "", "token", secret, hot};
const Key<std::string> kTemplate{
    "identity.templates.otp_sms", "Code {code}", "sms",
    check([](const std::string& t) -> std::optional<std::string> {
      if (t.find("{code}") == std::string::npos) return "must contain {code}";
      return std::nullopt;
    }, "contains {code}")};

struct KeyTest : ::testing::Test {
  ConfigService config{nullptr, nullptr};
  void SetUp() override { config.declare(kThreads, kRate, kSync, kLog, kRoles, kUrl, kToken, kTemplate); }
  Status set(const std::string& key, bj::value v) { return config.set(key, v, "test"); }
};

TEST_F(KeyTest, ReadsReturnTheDeclaredTypeAndDefault) {
  static_assert(std::is_same_v<decltype(config.get(kThreads)), int64_t>);
  static_assert(std::is_same_v<decltype(config.get(kRoles)), Strings>);
  static_assert(std::is_same_v<decltype(config.get(kUrl)), std::optional<std::string>>);
  EXPECT_EQ(config.get(kThreads), 0);
  EXPECT_DOUBLE_EQ(config.get(kRate), 0.5);
  EXPECT_EQ(config.get(kSync), "FULL");
  EXPECT_TRUE(config.get(kLog));
  EXPECT_EQ(config.get(kRoles), Strings{"user"});
  EXPECT_EQ(config.get(kUrl), std::nullopt);
  ASSERT_TRUE(set("server.threads", 4));
  ASSERT_TRUE(set("email.breaker.failure_rate", 1));  // an integer is a number
  ASSERT_TRUE(set("http.access_log", false));
  ASSERT_TRUE(set("identity.default_roles", bj::array{"a", "b"}));
  ASSERT_TRUE(set("identity.public_url", "https://x"));
  EXPECT_EQ(config.get(kThreads), 4);
  EXPECT_DOUBLE_EQ(config.get(kRate), 1.0);
  EXPECT_FALSE(config.get(kLog));
  EXPECT_EQ(config.get(kRoles), (Strings{"a", "b"}));
  EXPECT_EQ(config.get(kUrl), "https://x");
}

TEST_F(KeyTest, OptionsCheckValuesNamingTheKey) {
  Status low = set("server.threads", -1);
  ASSERT_FALSE(low);
  EXPECT_EQ(low.fields()[0].field, "server.threads");
  EXPECT_EQ(low.fields()[0].message, "must be at least 0");
  EXPECT_EQ(set("email.breaker.failure_rate", 2).fields()[0].message, "must be between 0.01 and 1");
  EXPECT_EQ(set("identity.templates.otp_sms", "no code").fields()[0].message, "must contain {code}");
  EXPECT_TRUE(set("identity.templates.otp_sms", "{code} is yours"));
  EXPECT_EQ(set("server.threads", "4").fields()[0].message, "must be an integer");
  EXPECT_EQ(set("identity.default_roles", bj::array{"a", 1}).fields()[0].message, "must be a list of strings");
  EXPECT_EQ(config.validate("store.sqlite_synchronous", "OFF").fields()[0].message, "must be one of FULL, NORMAL");
}

TEST_F(KeyTest, BootKeysCannotBeSetAtRunTime) {
  // Read before the database opens: a runtime value could never apply.
  Status s = set("store.sqlite_synchronous", "NORMAL");
  ASSERT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("config file or the environment"), std::string::npos) << s.message();
  EXPECT_EQ(config.get(kSync), "FULL");
}

TEST_F(KeyTest, DeclarationsDescribeThemselves) {
  EXPECT_EQ(kThreads.spec().type, Type::kInt);
  EXPECT_EQ(kThreads.spec().apply, Apply::kRestart);  // the default: a key claims hot only when watched
  EXPECT_EQ(kThreads.spec().constraint, ">= 0");
  EXPECT_EQ(kRate.spec().constraint, "0.01 to 1");
  EXPECT_EQ(kRate.spec().apply, Apply::kHot);
  EXPECT_EQ(kSync.spec().constraint, "FULL | NORMAL");
  EXPECT_EQ(kSync.spec().apply, Apply::kBoot);
  EXPECT_EQ(kTemplate.spec().constraint, "contains {code}");
  EXPECT_TRUE(kToken.spec().secret);
  EXPECT_EQ(kRoles.spec().default_value, (bj::array{"user"}));
  EXPECT_TRUE(kUrl.spec().default_value.is_null());
}

TEST_F(KeyTest, SecretsAreRedactedButReadInClear) {
  ASSERT_TRUE(set("sms.webhook.token", "t0ps3cret"));
  EXPECT_EQ(config.get(kToken), "t0ps3cret");
  EXPECT_EQ(config.entry("sms.webhook.token")->value, bj::value("********"));
  for (const auto& e : config.list("sms."))
    EXPECT_EQ(e.value, bj::value("********")) << e.key;
}

TEST(Family, MembersShareTypeAndChecksWithTheirOwnNamesAndDefaults) {
  const Family<int64_t> timeouts{"{}.timeout_ms", 15'000, "Request timeout of {}", between(1, 600'000), hot};
  ConfigService config(nullptr, nullptr);
  config.declare(timeouts("email"), timeouts.at("sms", 30'000, "SMS timeout"));
  EXPECT_EQ(timeouts("email").name(), "email.timeout_ms");
  EXPECT_EQ(timeouts("email").spec().description, "Request timeout of email");
  EXPECT_EQ(config.get(timeouts, "email"), 15'000);
  EXPECT_EQ(config.get(timeouts("sms")), 30'000);
  EXPECT_EQ(config.set("sms.timeout_ms", 0, "t").fields()[0].message, "must be between 1 and 600000");
  ASSERT_TRUE(config.set("sms.timeout_ms", 5, "t"));
  EXPECT_EQ(config.get(timeouts, "sms"), 5);
  // Members are exact keys: a name the family never stamped is unknown.
  EXPECT_FALSE(config.set("push.timeout_ms", 5, "t"));
}

TEST(Family, AnOpenFamilyAcceptsWellFormedMemberNames) {
  ConfigService config(nullptr, nullptr);  // app.* is always declared
  EXPECT_TRUE(config.set("app.checkout.limits", bj::parse(R"({"max":5})"), "t"));
  EXPECT_TRUE(config.set("app.flags.new-ui", true, "t"));
  EXPECT_EQ(config.get(kAppKeys, "checkout.limits"), bj::parse(R"({"max":5})"));
  for (const char* bad : {"app.", "app.Checkout", "app.a..b", "app.a.", "app.a b", "app.a:b"})
    EXPECT_EQ(config.set(bad, 1, "t").code(), Code::kInvalidArgument) << bad;
  EXPECT_EQ(config.entry("app.nothing").status().code(), Code::kNotFound);
}

TEST(ConfigService, AReadOfAnUndeclaredKeyFallsBackToItsDefault) {
  ConfigService config(nullptr, nullptr);
  const Key<int64_t> forgotten{"module.forgotten", 42, "never declared"};
  EXPECT_EQ(config.get(forgotten), 42);  // and an error is logged once, naming the key
}

}  // namespace
}  // namespace sb::config
