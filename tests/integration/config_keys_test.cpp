// Checks over every configuration key the server declares, collected the
// way `switchboard config describe` collects them (App::declare_keys, no
// file, environment or database).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>

#include "app/app.h"
#include "config/config.h"

namespace sb::config {
namespace {

namespace bj = boost::json;

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
