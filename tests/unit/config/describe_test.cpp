// `config describe` and docs/configuration.md: what they show. Checks over
// every key the server declares are in integration/config_keys_test.cpp
// (they need the whole app).
#include <gtest/gtest.h>

#include <boost/json.hpp>

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

}  // namespace
}  // namespace sb::config
