// The official Unleash Node SDK against the built binary, on both engines:
// tests/e2e/unleash/sdk_parity.mjs checks that the SDK's isEnabled and
// getVariant equal POST /v1/flags/evaluate for 10,000 random contexts over
// the flags of tests/e2e/unleash/parity_flags.json (imported here through
// the admin API), that the SDK's metrics and registration arrive, and that
// a change reaches it on its next poll. The script's output is the failure
// message.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "child_process.h"
#include "curl_client.h"
#include "server_process.h"
#include "temp_dir.h"
#include "test_databases.h"

namespace sb::test {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;

class FlagsSdk : public ::testing::TestWithParam<store::Engine> {};

TEST_P(FlagsSdk, NodeSdkAgreesWithEvaluateOnRandomContexts) {
  const std::string dir = std::string(SB_SOURCE_DIR) + "/tests/e2e/unleash";
  ASSERT_TRUE(fs::exists(dir + "/node_modules/unleash-client"))
      << "run scripts/install-deps.sh (npm ci in tests/e2e/unleash)";
  std::unique_ptr<TestDb> db;
  std::vector<std::string> args;
  if (GetParam() == store::Engine::kPostgres) {
    db = std::make_unique<TestDb>(open_test_db(store::Engine::kPostgres));
    args = {"--database", db->url()};
  }
  ServerProcess s({{"SWITCHBOARD_HTTP__ACCESS_LOG", "false"}}, args);
  ASSERT_TRUE(s.start()) << s.output();

  std::ifstream in(dir + "/parity_flags.json");
  std::stringstream doc;
  doc << in.rdbuf();
  const std::vector<std::string> headers = {s.auth_header(), "Content-Type: application/json"};
  auto imported = http_request("POST", s.url("/v1/flags/import"), doc.str(), headers);
  ASSERT_EQ(imported.status, 200) << imported.body << s.output();
  auto token = http_request("POST", s.url("/v1/flags/tokens"), R"({"type":"client","environment":"production"})",
                            headers);
  ASSERT_EQ(token.status, 201) << token.body;
  bj::array names;
  bj::value parsed = bj::parse(doc.str());
  for (const auto& f : parsed.at("features").as_array()) names.push_back(f.at("name"));

  TempDir tmp;
  ChildProcess node({"/usr/bin/env", "node", dir + "/sdk_parity.mjs"},
                    {{"SB_URL", s.url()},
                     {"SB_ADMIN_KEY", s.admin_key()},
                     {"SB_CLIENT_TOKEN", std::string(bj::parse(token.body).at("secret").as_string())},
                     {"SB_FLAGS", bj::serialize(names)},
                     {"SB_CONTEXTS", "10000"}},
                    tmp.file("node.log"));
  int code = node.wait_for(150'000);  // the script bounds itself at 100 s; this is the backstop
  std::string log = read_file(tmp.file("node.log"));
  EXPECT_EQ(code, 0) << log << "\n--- server ---\n" << s.output();
  std::cout << log;
}

INSTANTIATE_TEST_SUITE_P(Engines, FlagsSdk, ::testing::ValuesIn(all_engines()), engine_name);

}  // namespace
}  // namespace sb::test
