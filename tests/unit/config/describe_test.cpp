// `config describe` and docs/configuration.md: what they show, and checks
// over every key the server declares (through App, as the binary does).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>

#include "app/app.h"
#include "config/config.h"
#include "config/describe.h"

namespace sb::config {
namespace {

namespace bj = boost::json;

TEST(Describe, ShowsTypeDefaultAppliesSecretAndRulesOfEachKey) {
  const Key<std::string> level{"log.level", "info", "verbosity: a|b", one_of({"info", "warn"}), boot};
  const Key<std::string> token{"sms.webhook.token", "", "Bearer token", secret, hot};
  const Key<double> rate{"email.breaker.failure_rate", 0.5, "share", between(0.01, 1)};
  std::vector<KeySpec> keys{level.spec(), token.spec(), rate.spec()};
  std::string md = describe_markdown(keys);
  EXPECT_NE(md.find("\n## log\n"), std::string::npos);
  EXPECT_NE(md.find("| `log.level` | string | `\"info\"` | boot |  | info \\| warn | verbosity: a\\|b |"),
            std::string::npos) << md;
  EXPECT_NE(md.find("| `sms.webhook.token` | string | `\"\"` | hot | yes |  | Bearer token |"), std::string::npos) << md;
  EXPECT_NE(md.find("| `email.breaker.failure_rate` | number | `0.5` | restart |  | 0.01 to 1 | share |"),
            std::string::npos) << md;
  std::string text = describe_text(keys);
  EXPECT_NE(text.find("KEY"), std::string::npos);
  EXPECT_NE(text.find("sms.webhook.token"), std::string::npos);
  EXPECT_NE(text.find("[info | warn]"), std::string::npos) << text;
}

// Every key the binary declares, as `switchboard config describe` sees them.
std::vector<KeySpec> server_keys() {
  app::App app({}, nullptr);
  app.declare_keys();
  return app.config().declared();
}

TEST(DeclaredKeys, EveryDefaultPassesItsOwnChecks) {
  auto keys = server_keys();
  ASSERT_GT(keys.size(), 100u);
  ConfigService config(nullptr, nullptr);
  for (const auto& k : keys) config.declare(k);
  for (const auto& k : keys) {
    if (k.default_value.is_null() || k.key.ends_with(".*")) continue;
    EXPECT_TRUE(config.validate(k.key, k.default_value)) << k.key << ": " << config.validate(k.key, k.default_value).message();
  }
}

TEST(DeclaredKeys, NamesDescriptionsAndSecretsAreInOrder) {
  const std::regex name(R"([a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?)");
  for (const auto& k : server_keys()) {
    EXPECT_TRUE(std::regex_match(k.key, name)) << k.key;
    EXPECT_FALSE(k.description.empty()) << k.key;
    // A secret's default is never a value worth hiding.
    if (k.secret) {
      EXPECT_TRUE(k.default_value.is_null() || k.default_value == bj::value("")) << k.key;
    }
  }
}

TEST(DeclaredKeys, KeysThatMustBeSetBeforeTheDatabaseOpensAreBoot) {
  for (const auto& k : server_keys()) {
    bool needed_before_store = k.key == "store.database" || k.key == "server.data_dir" ||
                               k.key == "identity.master_key" || k.key.starts_with("log.");
    if (needed_before_store) {
      EXPECT_EQ(k.apply, Apply::kBoot) << k.key;
    }
  }
}

}  // namespace
}  // namespace sb::config
