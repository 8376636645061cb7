// The file and environment layers: what an unknown or bad key in them says,
// and how TOML maps onto keys (including JSON values for app.* keys).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "config/config.h"
#include "temp_dir.h"

namespace sb::config {
namespace {

namespace bj = boost::json;

const Key<std::string> kListen{"server.listen", "127.0.0.1:8080", "listen"};
const Key<int64_t> kThreads{"server.threads", 0, "threads", at_least(0)};
const Key<std::vector<std::string>> kProviders{"email.providers", {"console"}, "chain", hot};

struct LayersTest : ::testing::Test {
  ConfigService config{nullptr, nullptr};
  sb::test::TempDir dir;
  void SetUp() override { config.declare(kListen, kThreads, kProviders); }
  Status load(const std::string& toml) {
    std::ofstream(dir.file("switchboard.toml")) << toml;
    return config.load_file(dir.file("switchboard.toml"));
  }
  Status load_env(std::vector<std::string> vars) {
    std::vector<char*> env;
    for (auto& v : vars) env.push_back(v.data());
    env.push_back(nullptr);
    return config.load_env(env.data());
  }
};

TEST_F(LayersTest, AnUnknownKeyInTheFileFailsNamingFileLineKeyAndTheNearestKey) {
  Status s = load("[server]\nlisten = \"0.0.0.0:1\"\nthread = 4\n");
  ASSERT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find(dir.file("switchboard.toml")), std::string::npos) << s.message();
  ASSERT_EQ(s.fields().size(), 1u);
  EXPECT_EQ(s.fields()[0].field, "server.thread");
  EXPECT_NE(s.fields()[0].message.find("unknown configuration key; did you mean server.threads?"), std::string::npos)
      << s.fields()[0].message;
  EXPECT_NE(s.fields()[0].message.find("line 3"), std::string::npos) << s.fields()[0].message;
  // Nothing from a refused file is applied.
  EXPECT_EQ(config.get(kListen), "127.0.0.1:8080");
}

TEST_F(LayersTest, EveryBadKeyInTheFileIsReportedAtOnce) {
  Status s = load("[server]\nthreads = -1\n[zzz]\nq = 1\n");
  ASSERT_EQ(s.fields().size(), 2u);
  EXPECT_EQ(s.fields()[0].field, "server.threads");
  EXPECT_EQ(s.fields()[1].field, "zzz.q");
  EXPECT_NE(s.message().find("(and 1 more)"), std::string::npos) << s.message();
}

TEST_F(LayersTest, AnUnknownKeyInTheEnvironmentFailsNamingTheVariable) {
  Status s = load_env({"SWITCHBOARD_SERVER__LISTN=1.2.3.4:5", "SWITCHBOARD_ADMIN_KEY=not-a-config-key", "HOME=/root"});
  ASSERT_EQ(s.code(), Code::kInvalidArgument);
  ASSERT_EQ(s.fields().size(), 1u);
  EXPECT_EQ(s.fields()[0].field, "server.listn");
  EXPECT_NE(s.message().find("SWITCHBOARD_SERVER__LISTN"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("did you mean server.listen?"), std::string::npos) << s.message();
  EXPECT_TRUE(load_env({"SWITCHBOARD_SERVER__LISTEN=1.2.3.4:5", "SWITCHBOARD_EMAIL__PROVIDERS=smtp, console"}));
  EXPECT_EQ(config.get(kListen), "1.2.3.4:5");
  EXPECT_EQ(config.get(kProviders), (std::vector<std::string>{"smtp", "console"}));
}

TEST_F(LayersTest, AppKeysTakeAnyJsonFromTheFileAndTheEnvironment) {
  ASSERT_TRUE(load(
      "[app.checkout]\n"
      "limits = { max = 5, currencies = [\"EUR\", \"USD\"] }\n"  // an inline table is the key's value
      "enabled = true\n"
      "[app.checkout.banner]\n"  // a standard table is a path
      "text = \"Sale\"\n"));
  EXPECT_EQ(config.get(kAppKeys, "checkout.limits"), bj::parse(R"({"max":5,"currencies":["EUR","USD"]})"));
  EXPECT_EQ(config.get(kAppKeys, "checkout.enabled"), bj::value(true));
  EXPECT_EQ(config.get(kAppKeys, "checkout.banner.text"), bj::value("Sale"));
  EXPECT_EQ(config.entry("app.checkout.limits")->layer, Layer::kFile);
  // Environment: JSON when it parses, else the text itself.
  ASSERT_TRUE(load_env({"SWITCHBOARD_APP__CHECKOUT__MAX=7", "SWITCHBOARD_APP__GREETING=hello there",
                        "SWITCHBOARD_APP__LIST=[1,2]"}));
  EXPECT_EQ(config.get(kAppKeys, "checkout.max"), bj::value(7));
  EXPECT_EQ(config.get(kAppKeys, "greeting"), bj::value("hello there"));
  EXPECT_EQ(config.get(kAppKeys, "list"), bj::parse("[1,2]"));
  // Inline tables elsewhere stay paths, as before.
  EXPECT_TRUE(load("server = { listen = \"0.0.0.0:2\" }\n"));
  EXPECT_EQ(config.get(kListen), "0.0.0.0:2");
}

TEST_F(LayersTest, TheCliTextOfAKeyFollowsItsType) {
  EXPECT_EQ(*config.parse_text("email.providers", "a, b"), (bj::array{"a", "b"}));
  EXPECT_EQ(*config.parse_text("server.threads", "4"), bj::value(4));
  EXPECT_FALSE(config.parse_text("server.threads", "four").ok());
  EXPECT_EQ(*config.parse_text("app.x", R"({"a":1})"), bj::parse(R"({"a":1})"));
  EXPECT_EQ(*config.parse_text("app.x", "plain words"), bj::value("plain words"));
  Status unknown = config.parse_text("server.listne", "x").status();
  EXPECT_NE(unknown.message().find("did you mean server.listen?"), std::string::npos) << unknown.message();
}

}  // namespace
}  // namespace sb::config
