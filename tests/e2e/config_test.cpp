// Configuration end to end, against the built binary: applications' app.*
// keys with a schema, the watch stream, a reader scoped to app.*, secrets on
// disk and across a restart, unknown keys at start, and `config describe`.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "curl_client.h"
#include "eventually.h"
#include "http_standin.h"
#include "server_process.h"

namespace sb::test {
namespace {

namespace bj = boost::json;
namespace fs = std::filesystem;
const std::string kJson = "Content-Type: application/json";
const char* kSchema = R"({"type":"object","required":["max"],"properties":{"max":{"type":"integer","maximum":100}}})";

class ConfigE2E : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.start()) << server.output(); }
  HttpResult admin(const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(method, server.url(path), body, {server.auth_header(), kJson});
  }
  HttpResult as(const std::string& token, const std::string& method, const std::string& path,
                const std::string& body = "") {
    return http_request(method, server.url(path), body, {"Authorization: Bearer " + token, kJson});
  }
  // Every change a watcher sees, read from the start of the log.
  std::vector<SseEvent> watch(const std::string& query, const std::vector<std::string>& headers, size_t n,
                              const std::function<void()>& after_first = nullptr) {
    std::vector<SseEvent> got;
    std::atomic<bool> connected{false};
    std::thread live;
    if (after_first) live = std::thread([&] {
        while (!connected) std::this_thread::yield();
        after_first();
      });
    auto r = read_sse(server.url("/v1/config/watch" + query), headers, [&](const SseEvent& e) {
      got.push_back(e);
      connected = true;
      return got.size() < n;
    });
    connected = true;
    if (live.joinable()) live.join();
    EXPECT_EQ(r.headers["content-type"], "text/event-stream") << r.status << " " << r.body;
    return got;
  }
  ServerProcess server;
};

TEST_F(ConfigE2E, AppKeysHoldAnyJsonGuardedByTheirSchema) {
  auto put = admin("PUT", "/v1/config/app.checkout.limits", std::string(R"({"value":{"max":5},"schema":)") + kSchema + "}");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(bj::parse(put.body).at("schema"), bj::parse(kSchema));
  EXPECT_EQ(bj::parse(put.body).at("applies").as_string(), "hot");

  auto over = admin("PUT", "/v1/config/app.checkout.limits", R"({"value":{"max":500}})");
  EXPECT_EQ(over.status, 400);
  EXPECT_EQ(over.headers["content-type"], "application/problem+json");
  auto errors = bj::parse(over.body).at("errors").as_array();
  ASSERT_EQ(errors.size(), 1u) << over.body;
  EXPECT_EQ(errors[0].at("field").as_string(), "/value/max");
  EXPECT_EQ(errors[0].at("message").as_string(), "must be at most 100");

  auto got = admin("GET", "/v1/config/app.checkout.limits");
  EXPECT_EQ(bj::parse(got.body).at("value"), bj::parse(R"({"max":5})"));
  EXPECT_EQ(bj::parse(got.body).at("schema"), bj::parse(kSchema));
  EXPECT_EQ(admin("GET", "/v1/config/app.never.set").status, 404);
  EXPECT_EQ(bj::parse(admin("PUT", "/v1/config/app.x", R"({"value":1,"schema":{"pattern":"a"}})").body)
                .at("errors").at(0).at("field").as_string(), "/schema/pattern");
  EXPECT_EQ(admin("PUT", "/v1/config/app.x", R"({"valeu":1,"value":2})").status, 400);
  // A key read before the database opens cannot be changed at run time.
  auto boot = admin("PUT", "/v1/config/store.sqlite_synchronous", R"({"value":"NORMAL"})");
  EXPECT_EQ(boot.status, 400);
  EXPECT_EQ(bj::parse(boot.body).at("errors").at(0).at("field").as_string(), "store.sqlite_synchronous");
}

TEST_F(ConfigE2E, WatchStreamsEachChangeWithItsSequenceAndResumesAfterLastEventId) {
  ASSERT_EQ(admin("PUT", "/v1/config/app.banner", R"({"value":{"text":"Sale"}})").status, 200);
  ASSERT_EQ(admin("PUT", "/v1/config/email.from", R"({"value":"shop@example.com"})").status, 200);  // not app.*
  ASSERT_EQ(admin("DELETE", "/v1/config/app.banner").status, 204);
  auto got = watch("?prefix=app.&after=0", {server.auth_header()}, 3,
                   [&] { admin("PUT", "/v1/config/app.live", "{\"value\":[1,2]}"); });
  ASSERT_EQ(got.size(), 3u);
  for (const auto& e : got) EXPECT_EQ(e.event, "config.updated");
  EXPECT_EQ(bj::parse(got[0].data), bj::parse(R"({"key":"app.banner","action":"set","value":{"text":"Sale"},"layer":"runtime"})"));
  EXPECT_EQ(bj::parse(got[1].data), bj::parse(R"({"key":"app.banner","action":"unset","value":null,"layer":"default"})"));
  EXPECT_EQ(bj::parse(got[2].data).at("value"), bj::parse("[1,2]"));
  EXPECT_LT(std::stoll(got[0].id), std::stoll(got[1].id));
  EXPECT_LT(std::stoll(got[1].id), std::stoll(got[2].id));
  // The ids are event log sequences: a client resumes exactly after the last one it saw.
  auto resumed = watch("?prefix=app.", {server.auth_header(), "Last-Event-ID: " + got[0].id}, 1);
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].id, got[1].id);
}

TEST_F(ConfigE2E, WatchersNeverSeeASecret) {
  ASSERT_EQ(admin("PUT", "/v1/config/email.sendgrid.api_key", R"({"value":"SG.watched-secret"})").status, 200);
  auto got = watch("?prefix=email.sendgrid.&after=0", {server.auth_header()}, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(bj::parse(got[0].data).at("value").as_string(), "********");
  EXPECT_EQ(got[0].data.find("watched-secret"), std::string::npos);
}

TEST_F(ConfigE2E, AnAppGrantedConfigReadOnAppReadsAndWatchesAppKeysOnly) {
  ASSERT_EQ(admin("PUT", "/v1/config/app.checkout.limits", R"({"value":{"max":5}})").status, 200);
  ASSERT_EQ(admin("PUT", "/v1/roles/checkout-app", R"({"permissions":["config:read:app.*","config:write:app.checkout.*"]})")
                .status / 100, 2);
  auto reg = http_request("POST", server.url("/v1/auth/register"),
                          R"({"email":"app@example.com","password":"correct horse battery staple"})", {kJson});
  ASSERT_EQ(reg.status, 201) << reg.body;
  std::string user = std::string(bj::parse(reg.body).at("id").as_string());
  ASSERT_EQ(admin("PUT", "/v1/users/" + user + "/roles/checkout-app").status / 100, 2);
  auto login = http_request("POST", server.url("/v1/auth/login"),
                            R"({"email":"app@example.com","password":"correct horse battery staple"})", {kJson});
  ASSERT_EQ(login.status, 200) << login.body;
  std::string token = std::string(bj::parse(login.body).at("access_token").as_string());

  ASSERT_TRUE(eventually([&] { return as(token, "GET", "/v1/config/app.checkout.limits").status == 200; }));
  auto other = as(token, "GET", "/v1/config/email.from");
  EXPECT_EQ(other.status, 403);
  EXPECT_NE(other.body.find("config:read:email.from"), std::string::npos) << other.body;
  auto listing = as(token, "GET", "/v1/config?prefix=app.");
  ASSERT_EQ(listing.status, 200);
  bj::value entries = bj::parse(listing.body).at("entries");
  for (const auto& e : entries.as_array()) EXPECT_TRUE(e.at("key").as_string().starts_with("app.")) << e;
  EXPECT_EQ(as(token, "GET", "/v1/config").status, 403);
  EXPECT_EQ(as(token, "GET", "/v1/config?prefix=ap").status, 403);  // would reach apple.* too
  EXPECT_EQ(as(token, "GET", "/v1/config/watch").status, 403);
  auto seen = watch("?prefix=app.&after=0", {"Authorization: Bearer " + token}, 1);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(bj::parse(seen[0].data).at("key").as_string(), "app.checkout.limits");
  // Writes are scoped the same way.
  EXPECT_EQ(as(token, "PUT", "/v1/config/app.checkout.limits", R"({"value":{"max":6}})").status, 200);
  EXPECT_EQ(as(token, "PUT", "/v1/config/app.billing.plan", R"({"value":"pro"})").status, 403);
  EXPECT_EQ(as(token, "PUT", "/v1/config/email.from", R"({"value":"x@example.com"})").status, 403);
}

std::string all_bytes_under(const std::string& dir) {
  std::string all;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

TEST_F(ConfigE2E, ASecretSetOverTheApiIsNotOnDiskAndStillWorksAfterARestart) {
  HttpStandin sendgrid;
  sendgrid.set_default({202, {{"X-Message-Id", "sg-1"}}, ""});
  const std::string secret = "SG.e2e-only-in-memory-31337";
  ASSERT_EQ(admin("PUT", "/v1/config/email.sendgrid.api_key", "{\"value\":\"" + secret + "\"}").status, 200);
  ASSERT_EQ(admin("PUT", "/v1/config/email.sendgrid.base_url", "{\"value\":\"" + sendgrid.base_url() + "\"}").status, 200);
  ASSERT_EQ(admin("PUT", "/v1/config/email.providers", R"({"value":["sendgrid"]})").status, 200);
  auto shown = admin("GET", "/v1/config/email.sendgrid.api_key");
  EXPECT_EQ(bj::parse(shown.body).at("value").as_string(), "********");
  ASSERT_EQ(server.stop_graceful(), 0);
  EXPECT_EQ(server.output().find(secret), std::string::npos) << "the secret is in the log";

  std::string disk = all_bytes_under(server.data_dir());
  EXPECT_NE(disk.find(sendgrid.base_url()), std::string::npos);  // the search does see plain values
  EXPECT_EQ(disk.find(secret), std::string::npos) << "the secret is on disk in clear";

  ServerProcess again({}, {}, server.data_dir());
  ASSERT_TRUE(again.start()) << again.output();
  auto sent = http_request("POST", again.url("/v1/messages/email"),
                           R"({"to":["ada@example.com"],"from":"app@example.com","subject":"Hi","text":"Hello"})",
                           {server.auth_header(), kJson});
  ASSERT_EQ(sent.status, 200) << sent.body;
  ASSERT_EQ(sendgrid.request_count(), 1u);
  EXPECT_EQ(sendgrid.requests()[0].header("authorization"), "Bearer " + secret);
}

TEST(ConfigStart, AnUnknownKeyInTheFileOrEnvironmentStopsTheStartNamingIt) {
  TempDir dir;
  std::ofstream(dir.file("switchboard.toml")) << "[server]\nlisten = \"127.0.0.1:0\"\nthread = 4\n";
  std::string out;
  EXPECT_EQ(run_cli({"config", "get", "server.threads", "--config", dir.file("switchboard.toml"), "--data-dir",
                     dir.file("data")},
                    out),
            2);
  EXPECT_NE(out.find(dir.file("switchboard.toml")), std::string::npos) << out;
  EXPECT_NE(out.find("server.thread: unknown configuration key; did you mean server.threads?"), std::string::npos)
      << out;
  EXPECT_NE(out.find("line 3"), std::string::npos) << out;
  EXPECT_EQ(run_cli({"config", "get", "server.threads", "--data-dir", dir.file("data")}, out,
                    {{"SWITCHBOARD_SERVER__THREAD", "4"}}),
            2);
  EXPECT_NE(out.find("SWITCHBOARD_SERVER__THREAD"), std::string::npos) << out;
  EXPECT_NE(out.find("did you mean server.threads?"), std::string::npos) << out;
}

TEST(ConfigDescribe, ListsEveryDeclaredKeyWhateverTheLocalConfiguration) {
  std::string out;
  // Describe reads declarations only: an environment that would stop a start
  // (and differs per machine) changes nothing, so the generated docs are stable.
  ASSERT_EQ(run_cli({"config", "describe"}, out, {{"SWITCHBOARD_SERVER__THREAD", "4"}}), 0) << out;
  EXPECT_NE(out.find("KEY"), std::string::npos);
  for (const char* key : {"server.threads", "identity.master_key", "ratelimit.auth.login.ip", "email.smtp.password",
                          "sms.retry.max_attempts", "app.*"})
    EXPECT_NE(out.find(key), std::string::npos) << key;
  ASSERT_EQ(run_cli({"config", "describe", "--markdown"}, out), 0);
  EXPECT_EQ(out.rfind("# Configuration keys\n", 0), 0u) << out.substr(0, 200);
}

}  // namespace
}  // namespace sb::test
