// The CLI (`switchboard events …`, `switchboard config …`) run against the
// data dir of a running server, as an operator would on the same host: what
// the CLI writes the server serves, and the CLI's failures are loud. And
// `switchboard push vapid-keys`, which needs no server.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "child_process.h"
#include "core/crypto.h"
#include "curl_client.h"
#include "eventually.h"
#include "providers/push/web_push_crypto.h"
#include "server_process.h"

namespace sb::test {
namespace {

namespace bj = boost::json;
using SteadyClock = std::chrono::steady_clock;
const std::string kJson = "Content-Type: application/json";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// The stdout lines that are JSON objects (`events tail` output), in order.
std::vector<bj::object> json_lines(const std::string& text) {
  std::vector<bj::object> out;
  for (auto& line : lines_of(text)) {
    boost::system::error_code ec;
    bj::value v = bj::parse(line, ec);
    if (!ec && v.is_object()) out.push_back(std::move(v.as_object()));
  }
  return out;
}

// `events publish` output: exactly one line holding the sequence, else -1.
int64_t sequence_printed(const std::string& out) {
  static const std::regex re(R"(([0-9]+)\n)");
  std::smatch m;
  return std::regex_match(out, m, re) ? std::stoll(m[1]) : -1;
}


// A CLI command as a child process: stdout to one file, stderr to another, so
// the test sees exactly what `x=$(switchboard …)` in a script would capture.
class CliChild {
 public:
  explicit CliChild(const std::vector<std::string>& args, std::map<std::string, std::string> env = {})
      : child_(argv_for(args), with_log_level(std::move(env)), dir_.file("stdout"), dir_.file("stderr")) {}
  std::string out() const { return read_file(dir_.file("stdout")); }
  std::string err() const { return read_file(dir_.file("stderr")); }
  bool running() { return child_.running(); }
  int wait() { return child_.wait(); }  // exit code, or 128 + signal
  void kill_and_wait() { child_.kill_and_wait(); }

 private:
  static std::vector<std::string> argv_for(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {SB_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  static std::map<std::string, std::string> with_log_level(std::map<std::string, std::string> env) {
    env.emplace("SWITCHBOARD_LOG__LEVEL", "warn");
    return env;
  }
  TempDir dir_;  // before child_: the files exist as long as the child may write them
  ChildProcess child_;
};

class CliE2E : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.start()) << server.output(); }
  // Runs a CLI command on the server's data dir to completion: exit code,
  // stdout in `out`, stderr in `err_`.
  int cli(std::vector<std::string> args, std::string& out, const std::map<std::string, std::string>& env = {}) {
    args.push_back("--data-dir");
    args.push_back(server.data_dir());
    CliChild child(args, env);
    int rc = child.wait();
    out = child.out();
    err_ = child.err();
    return rc;
  }
  bj::array events(const std::string& type) {
    auto r = http_request("GET", server.url("/v1/events?limit=1000&type=" + type), "", {server.auth_header()});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? bj::parse(r.body).at("events").as_array() : bj::array{};
  }
  int64_t publish_http(const std::string& id, const std::string& type) {
    auto r = http_request("POST", server.url("/v1/events"),
                          R"({"specversion":"1.0","id":")" + id + R"(","source":"/e2e","type":")" + type + R"("})",
                          {server.auth_header(), kJson});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? bj::parse(r.body).at("sequence").as_int64() : -1;
  }
  ServerProcess server;
  std::string err_;  // stderr of the last cli()
};

TEST(CliPush, VapidKeysPrintsAMatchingPairWithoutNeedingADatabase) {
  CliChild child({"push", "vapid-keys"});
  ASSERT_EQ(child.wait(), 0) << child.err();
  static const std::regex re(R"(private_key: ([A-Za-z0-9_-]{43})\npublic_key: (B[A-Za-z0-9_-]{86})\n)");
  std::smatch m;
  const std::string out = child.out();
  ASSERT_TRUE(std::regex_match(out, m, re)) << out;
  auto key = providers::webpush::VapidKey::parse(m[1].str());
  ASSERT_TRUE(key.ok()) << key.status().to_string();
  EXPECT_EQ(crypto::base64url_encode(key->public_key()), m[2].str());
}

TEST_F(CliE2E, EventsPublishPrintsTheSequenceTheServerThenServes) {
  std::string out;
  ASSERT_EQ(cli({"events", "publish", "--type", "order.created", "--data", R"({"n":1})"}, out), 0) << err_;
  // Scripts capture stdout as the sequence: nothing else may be printed there.
  int64_t seq = sequence_printed(out);
  ASSERT_GT(seq, 0) << "stdout: [" << out << "]";

  auto evs = events("order.created");
  ASSERT_EQ(evs.size(), 1u);
  auto& e = evs[0].as_object();
  EXPECT_EQ(e.at("sequence").as_int64(), seq);
  EXPECT_EQ(e.at("data"), bj::parse(R"({"n":1})"));
  EXPECT_EQ(e.at("type").as_string(), "order.created");
  EXPECT_EQ(e.at("specversion").as_string(), "1.0");
  EXPECT_FALSE(e.at("id").as_string().empty());
  // The server and the CLI share one sequence: the server's next event follows.
  int64_t by_server = publish_http("after-cli", "order.created");
  EXPECT_GT(by_server, seq);
  // At the default log level (what a script gets) stdout still holds only the sequence.
  ASSERT_EQ(cli({"events", "publish", "--type", "order.created"}, out, {{"SWITCHBOARD_LOG__LEVEL", "info"}}), 0)
      << err_;
  EXPECT_GT(sequence_printed(out), by_server) << "stdout: [" << out << "]";
}

TEST_F(CliE2E, EventsPublishWithInvalidDataFailsNamingDataAndStoresNothing) {
  std::string out;
  int rc = cli({"events", "publish", "--type", "order.created", "--data", R"({"n":)"}, out);
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(err_.find("--data"), std::string::npos) << "stderr: " << err_;
  EXPECT_TRUE(events("order.created").empty());
}

TEST_F(CliE2E, ConfigListShowsEveryKeyUnderThePrefixWithItsLayer) {
  auto put = http_request("PUT", server.url("/v1/config/http.access_log"), R"({"value":false})",
                          {server.auth_header(), kJson});
  ASSERT_EQ(put.status, 200) << put.body;
  std::string out;
  ASSERT_EQ(cli({"config", "list", "--prefix", "http."}, out, {{"SWITCHBOARD_HTTP__IDLE_TIMEOUT_MS", "1234"}}), 0)
      << err_;
  static const std::regex line_re(R"((\S+) = (.*)  \((default|file|env|runtime)\))");
  std::map<std::string, std::pair<std::string, std::string>> listed;  // key -> (value, layer)
  for (auto& line : lines_of(out)) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, line_re)) << "unexpected line: " << line;
    EXPECT_EQ(m[1].str().rfind("http.", 0), 0u) << "outside the prefix: " << line;
    listed[m[1]] = {m[2], m[3]};
  }
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(listed["http.max_body_bytes"], (P{"1048576", "default"}));
  EXPECT_EQ(listed["http.idle_timeout_ms"], (P{"1234", "env"}));
  EXPECT_EQ(listed["http.access_log"], (P{"false", "runtime"}));  // set through the server a moment ago
  EXPECT_TRUE(listed.count("http.read_timeout_ms") && listed.count("http.shutdown_grace_ms")) << out;
}

TEST_F(CliE2E, ConfigGetAndUnsetFailLoudlyOnKeysTheyCannotServe) {
  std::string out;
  ASSERT_EQ(cli({"config", "get", "events.poll_ms"}, out), 0) << err_;
  EXPECT_EQ(out, "50\n");  // the declared default
  EXPECT_NE(cli({"config", "get", "no.such.key"}, out), 0) << out;
  EXPECT_NE(err_.find("no.such.key"), std::string::npos) << "stderr: " << err_;

  EXPECT_NE(cli({"config", "unset", "events.heartbeat_ms"}, out), 0) << out;  // no runtime value to remove
  EXPECT_NE(err_.find("events.heartbeat_ms"), std::string::npos) << "stderr: " << err_;
  // With a runtime value the same unset succeeds and the default is back.
  ASSERT_EQ(cli({"config", "set", "events.heartbeat_ms", "5000"}, out), 0) << err_;
  ASSERT_EQ(cli({"config", "get", "events.heartbeat_ms"}, out), 0) << err_;
  EXPECT_EQ(out, "5000\n");
  ASSERT_EQ(cli({"config", "unset", "events.heartbeat_ms"}, out), 0) << err_;
  ASSERT_EQ(cli({"config", "get", "events.heartbeat_ms"}, out), 0) << err_;
  EXPECT_EQ(out, "15000\n");
}

TEST_F(CliE2E, EventsTailPrintsMatchingEventsAfterTheCursorAsJsonLines) {
  int64_t before = publish_http("before", "order.created");
  ASSERT_GT(before, 0);
  CliChild tail({"events", "tail", "--type", "order.*", "--after", std::to_string(before), "--data-dir",
                 server.data_dir()});
  // Sequence order: the non-matching event would be printed before the others.
  ASSERT_GT(publish_http("other", "billing.charged"), 0);
  int64_t shipped = publish_http("shipped", "order.shipped");
  std::string out;
  ASSERT_EQ(cli({"events", "publish", "--type", "order.created", "--subject", "o-7"}, out), 0) << err_;
  int64_t by_cli = sequence_printed(out);
  ASSERT_GT(by_cli, shipped) << "stdout: [" << out << "]";

  auto printed_last = [&] {
    for (auto& e : json_lines(tail.out()))
      if (e.if_contains("sequence") && e.at("sequence") == by_cli) return true;
    return false;
  };
  bool printed = eventually([&] { return printed_last() || !tail.running(); });
  ASSERT_TRUE(printed) << "tail printed: [" << tail.out() << "] stderr: " << tail.err();
  EXPECT_TRUE(tail.running()) << "tail exited; stderr: " << tail.err();
  tail.kill_and_wait();
  // Every stdout line is one event (scripts pipe it into jq), nothing else.
  std::string text = tail.out();
  auto lines = lines_of(text);
  auto events = json_lines(text);
  ASSERT_EQ(events.size(), lines.size()) << "non-JSON lines on stdout:\n" << text;
  ASSERT_EQ(events.size(), 2u) << text;
  EXPECT_EQ(events[0].at("id"), "shipped");
  EXPECT_EQ(events[0].at("sequence"), shipped);
  EXPECT_EQ(events[1].at("type"), "order.created");
  EXPECT_EQ(events[1].at("subject"), "o-7");
  EXPECT_EQ(events[1].at("sequence"), by_cli);
}

// Without --after, tail starts at the head: history is not replayed.
TEST_F(CliE2E, EventsTailWithoutAfterStartsAtTheHead) {
  ASSERT_GT(publish_http("history", "audit.entry"), 0);
  CliChild tail({"events", "tail", "--data-dir", server.data_dir()});
  // When tail has read its starting point is not observable, so publish
  // markers until one shows up; the first event printed must be a marker.
  bool seen = false;
  for (int i = 0; i < 20 && !seen && tail.running(); ++i) {
    ASSERT_GT(publish_http("marker-" + std::to_string(i), "audit.marker"), 0);
    seen = eventually([&] { return !json_lines(tail.out()).empty(); }, std::chrono::milliseconds(500));
  }
  ASSERT_TRUE(seen) << "stdout: [" << tail.out() << "] stderr: " << tail.err();
  tail.kill_and_wait();
  std::string text = tail.out();
  auto events = json_lines(text);
  EXPECT_EQ(events.size(), lines_of(text).size()) << "non-JSON lines on stdout:\n" << text;
  for (auto& e : events) EXPECT_EQ(e.at("type"), "audit.marker") << bj::serialize(e);
}

// Operators manage users and roles from the host: what the CLI grants the
// running server enforces, and a signing-key rotation reaches it without a
// restart (old tokens keep working, new ones use the new key).
TEST_F(CliE2E, UserRoleAndKeyCommandsActOnTheRunningServer) {
  std::string out;
  ASSERT_EQ(cli({"role", "create", "support", "--permission", "events:read", "--permission", "config:*"}, out), 0)
      << err_;
  ASSERT_EQ(cli({"user", "create", "--email", "op@example.com", "--password", "an operator passphrase"}, out,
                {{"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_OPS", "1"}, {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_MEM_KIB", "64"}}),
            0)
      << err_;
  std::string user_id = lines_of(out).at(0);
  auto login = http_request("POST", server.url("/v1/auth/login"),
                            R"({"email":"op@example.com","password":"an operator passphrase"})", {kJson});
  ASSERT_EQ(login.status, 200) << login.body;
  std::string bearer = "Authorization: Bearer " + std::string(bj::parse(login.body).at("access_token").as_string());
  EXPECT_EQ(http_request("GET", server.url("/v1/events"), "", {bearer}).status, 403);

  ASSERT_EQ(cli({"user", "grant", "op@example.com", "--role", "support"}, out), 0) << err_;
  EXPECT_TRUE(eventually([&] { return http_request("GET", server.url("/v1/events"), "", {bearer}).status == 200; }));
  ASSERT_EQ(cli({"user", "show", user_id}, out), 0) << err_;
  EXPECT_NE(out.find("roles: support, user"), std::string::npos) << out;
  EXPECT_NE(out.find("allow: config:*, events:read"), std::string::npos) << out;

  ASSERT_EQ(cli({"user", "grant", "op@example.com", "--permission", "events:read", "--deny"}, out), 0) << err_;
  EXPECT_TRUE(eventually([&] { return http_request("GET", server.url("/v1/events"), "", {bearer}).status == 403; }));
  ASSERT_EQ(cli({"user", "revoke", "op@example.com", "--permission", "events:read"}, out), 0) << err_;
  EXPECT_TRUE(eventually([&] { return http_request("GET", server.url("/v1/events"), "", {bearer}).status == 200; }));

  // Bad input fails loudly and names what is wrong.
  EXPECT_EQ(cli({"user", "grant", "op@example.com", "--permission", "no colon"}, out), 2);
  EXPECT_NE(err_.find("permission"), std::string::npos) << err_;
  EXPECT_NE(cli({"user", "grant", "nobody@example.com", "--role", "support"}, out), 0);
  EXPECT_NE(cli({"role", "delete", "admin"}, out), 0);  // built in
  ASSERT_EQ(cli({"role", "list"}, out), 0) << err_;
  EXPECT_NE(out.find("support: events:read, config:*"), std::string::npos) << out;

  // Key rotation: the JWKS lists both keys; the old token still verifies.
  auto kids = [&] {
    std::set<std::string> out_kids;
    auto r = http_request("GET", server.url("/.well-known/jwks.json"));
    bj::value jwks = bj::parse(r.body);  // kept alive: a range-for over parse(...).at() would dangle
    for (auto& k : jwks.at("keys").as_array()) out_kids.emplace(k.at("kid").as_string());
    return out_kids;
  };
  ASSERT_EQ(kids().size(), 1u);
  ASSERT_EQ(cli({"keys", "rotate"}, out), 0) << err_;
  EXPECT_TRUE(eventually([&] { return kids().size() == 2; }));
  EXPECT_EQ(http_request("GET", server.url("/v1/events"), "", {bearer}).status, 200);
}

// Operators inspect and repair job queues from the host: jobs enqueued (and
// dead-lettered) over HTTP, then the server stopped, so nothing but the CLI
// changes the store between the commands and their checks.
TEST_F(CliE2E, QueueCommandsListInspectRetryPauseAndResume) {
  auto post = [&](const std::string& path, const std::string& body) {
    return http_request("POST", server.url(path), body, {server.auth_header(), kJson});
  };
  // Two jobs die after one attempt (priority 9: claimed before the rest).
  ASSERT_EQ(post("/v1/queues/mail/jobs", R"([{"payload":{"n":1},"max_attempts":1,"priority":9},)"
                                         R"({"payload":{"n":2},"max_attempts":1,"priority":9},)"
                                         R"({"payload":{"n":3}},{"payload":{"n":4}}])")
                .status,
            201);
  ASSERT_EQ(post("/v1/queues/reports/jobs", R"({"payload":{},"delay_ms":3600000})").status, 201);
  auto claimed = post("/v1/queues/mail/claim", R"({"max":2,"lease_ms":30000})");
  ASSERT_EQ(claimed.status, 200) << claimed.body;
  bj::value claims = bj::parse(claimed.body);
  std::vector<std::string> dead;
  for (auto& j : claims.at("jobs").as_array()) {
    std::string id(j.at("id").as_string());
    auto nack = post("/v1/queues/mail/jobs/" + id + "/nack",
                     R"({"lease":")" + std::string(j.at("lease").as_string()) + R"(","error":"smtp down\nline 2"})");
    ASSERT_EQ(nack.status, 200) << nack.body;
    dead.push_back(id);
  }
  ASSERT_EQ(dead.size(), 2u);
  ASSERT_EQ(server.stop_graceful(), 0) << server.output();

  // ls: a header, then one row per queue.
  std::string out;
  ASSERT_EQ(cli({"queue", "ls"}, out), 0) << err_;
  auto rows = lines_of(out);
  ASSERT_EQ(rows.size(), 3u) << out;
  static const std::regex ws(R"(\s+)");
  auto cells = [](const std::string& line) {
    return std::vector<std::string>(std::sregex_token_iterator(line.begin(), line.end(), ws, -1), {});
  };
  using Cells = std::vector<std::string>;
  EXPECT_EQ(cells(rows[0]), (Cells{"NAME", "WAITING", "DELAYED", "ACTIVE", "COMPLETED", "DEAD", "PAUSED"}));
  EXPECT_EQ(cells(rows[1]), (Cells{"mail", "2", "0", "0", "0", "2", "no"}));
  EXPECT_EQ(cells(rows[2]), (Cells{"reports", "0", "1", "0", "0", "0", "no"}));
  ASSERT_EQ(cli({"queue", "ls", "--json"}, out), 0) << err_;
  bj::value all = bj::parse(out);
  ASSERT_EQ(all.as_array().size(), 2u) << out;
  EXPECT_EQ(all.at(1).at("name"), "reports");

  auto stats = [&](const std::string& queue) {
    std::string text;
    EXPECT_EQ(cli({"queue", "stats", queue, "--json"}, text), 0) << err_;
    boost::system::error_code ec;
    bj::value v = bj::parse(text, ec);
    EXPECT_FALSE(ec) << "stdout: " << text;
    return ec ? bj::value{} : v;
  };
  bj::value mail = stats("mail");
  EXPECT_EQ(mail.at("counts").at("waiting"), 2);
  EXPECT_EQ(mail.at("counts").at("dead"), 2);
  EXPECT_EQ(mail.at("counts").at("active"), 0);
  EXPECT_EQ(mail.at("paused"), false);

  // jobs --state dead: both dead jobs, newest first, with their last error on one line.
  ASSERT_EQ(cli({"queue", "jobs", "mail", "--state", "dead"}, out), 0) << err_;
  rows = lines_of(out);
  ASSERT_EQ(rows.size(), 3u) << out;
  EXPECT_EQ(rows[0].rfind("ID", 0), 0u) << out;
  for (size_t i = 1; i < rows.size(); ++i) {
    auto c = cells(rows[i]);
    ASSERT_GE(c.size(), 6u) << rows[i];
    EXPECT_TRUE(c[0] == dead[0] || c[0] == dead[1]) << rows[i];
    EXPECT_EQ(c[1], "dead");
    EXPECT_EQ(c[2], "1/1");
    EXPECT_EQ(c[3], "9");
    EXPECT_NE(rows[i].find("smtp down line 2"), std::string::npos) << rows[i];
  }
  ASSERT_EQ(cli({"queue", "jobs", "mail", "--state", "dead", "--limit", "1", "--json"}, out), 0) << err_;
  bj::value listed = bj::parse(out);
  ASSERT_EQ(listed.as_array().size(), 1u) << out;
  EXPECT_EQ(listed.at(0).at("state"), "dead");
  EXPECT_EQ(cli({"queue", "jobs", "mail", "--state", "finished"}, out), 2);
  EXPECT_NE(err_.find("--state"), std::string::npos) << "stderr: " << err_;

  // retry one by id, then every dead one; a job not dead is a conflict.
  ASSERT_EQ(cli({"queue", "retry", "mail", dead[0]}, out), 0) << err_;
  mail = stats("mail");
  EXPECT_EQ(mail.at("counts").at("waiting"), 3);
  EXPECT_EQ(mail.at("counts").at("dead"), 1);
  EXPECT_NE(cli({"queue", "retry", "mail", dead[0]}, out), 0);
  EXPECT_NE(err_.find("only dead or cancelled"), std::string::npos) << "stderr: " << err_;
  ASSERT_EQ(cli({"queue", "retry", "mail", "--all-dead"}, out), 0) << err_;
  EXPECT_NE(out.find("retried 1 dead job"), std::string::npos) << out;
  mail = stats("mail");
  EXPECT_EQ(mail.at("counts").at("waiting"), 4);
  EXPECT_EQ(mail.at("counts").at("dead"), 0);

  // Unknown job, bad queue name: loud, non-zero, nothing printed on stdout.
  const std::string unknown = "0190aaaa-0000-7000-8000-000000000000";
  EXPECT_EQ(cli({"queue", "retry", "mail", unknown}, out), 1);
  EXPECT_NE(err_.find(unknown), std::string::npos) << "stderr: " << err_;
  EXPECT_EQ(out, "");
  EXPECT_EQ(cli({"queue", "stats", "bad name"}, out), 2);
  EXPECT_NE(err_.find("queue"), std::string::npos) << "stderr: " << err_;

  // pause / resume.
  ASSERT_EQ(cli({"queue", "pause", "mail"}, out), 0) << err_;
  EXPECT_EQ(stats("mail").at("paused"), true);
  EXPECT_EQ(stats("reports").at("paused"), false);
  ASSERT_EQ(cli({"queue", "ls"}, out), 0) << err_;
  ASSERT_EQ(lines_of(out).size(), 3u) << out;
  EXPECT_EQ(cells(lines_of(out)[1]).back(), "yes") << out;
  ASSERT_EQ(cli({"queue", "resume", "mail"}, out), 0) << err_;
  EXPECT_EQ(stats("mail").at("paused"), false);
}

}  // namespace
}  // namespace sb::test
