// Two instances of the built binary on one real PostgreSQL database, as in
// docs/operations.md "Running several instances": what one instance writes the
// other serves, sequences follow commit order, kill -9 loses nothing acked.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "child_process.h"
#include "curl_client.h"
#include "eventually.h"
#include "server_process.h"
#include "test_databases.h"

namespace sb::test {
namespace {

namespace bj = boost::json;
using SteadyClock = std::chrono::steady_clock;
const std::string kAdminKey = "sbk_cluster_e2e_0123456789abcdef";
const std::string kJson = "Content-Type: application/json";

// Same admin key and master key on every instance, so a client can talk to
// any of them and each opens the signing keys the first one stored; a short
// poll so other instances' events reach live streams quickly.
std::map<std::string, std::string> cluster_env() {
  return {{"SWITCHBOARD_ADMIN_KEY", kAdminKey},
          {"SWITCHBOARD_IDENTITY__MASTER_KEY", "Y2x1c3Rlci1lMmUtbWFzdGVyLWtleS0zMi1ieXRlcyE="},
          {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_OPS", "1"},
          {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_MEM_KIB", "64"},
          {"SWITCHBOARD_EVENTS__POLL_MS", "50"},
          {"SWITCHBOARD_HTTP__ACCESS_LOG", "false"}};
}

std::string event_json(const std::string& id, const std::string& type) {
  return R"({"specversion":"1.0","id":")" + id + R"(","source":"/cluster","type":")" + type + R"(","data":{}})";
}

// Publishes one event; its sequence on 201, else -1 with the response in `err`.
int64_t publish(const ServerProcess& s, const std::string& id, const std::string& type, std::string* err = nullptr,
                long timeout_ms = 10'000) {
  auto r = http_request("POST", s.url("/v1/events"), event_json(id, type), {s.auth_header(), kJson}, timeout_ms);
  if (r.status == 201) return bj::parse(r.body).at("sequence").as_int64();
  if (err) *err = std::to_string(r.status) + " " + r.error + " " + r.body;
  return -1;
}

struct Stored {
  int64_t sequence;
  std::string id;
};

// One page of GET /v1/events. False (with the reason in `err`) if it failed.
bool read_page(const ServerProcess& s, const std::string& type, int64_t after, int limit, std::vector<Stored>& out,
               std::string& err) {
  auto r = http_request("GET",
                        s.url("/v1/events?type=" + type + "&limit=" + std::to_string(limit) +
                              "&after=" + std::to_string(after)),
                        "", {s.auth_header()});
  if (r.status != 200) {
    err = std::to_string(r.status) + " " + r.error + " " + r.body;
    return false;
  }
  out.clear();
  bj::value body = bj::parse(r.body);  // kept alive: a range-for over parse(...).at() would dangle
  for (auto& e : body.at("events").as_array())
    out.push_back({e.at("sequence").as_int64(), std::string(e.at("id").as_string())});
  return true;
}

// Every event of `type`, paging with after= until an empty page.
std::vector<Stored> read_all(const ServerProcess& s, const std::string& type) {
  std::vector<Stored> all, page;
  std::string err;
  int64_t after = 0;
  for (;;) {
    if (!read_page(s, type, after, 1000, page, err)) {
      ADD_FAILURE() << "reading events: " << err;
      return all;
    }
    if (page.empty()) return all;
    all.insert(all.end(), page.begin(), page.end());
    after = page.back().sequence;
  }
}

// The JSON body of a 200 answer, else null.
bj::value get_json(const ServerProcess& s, const std::string& path) {
  auto r = http_request("GET", s.url(path), "", {s.auth_header()});
  return r.status == 200 ? bj::parse(r.body) : bj::value(nullptr);
}


class ClusterE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDb>(open_test_db(store::Engine::kPostgres));
    db_->close();  // the instances use their own connections; keep only the database
    a = instance();
    b = instance();
    // One after the other: instances starting together with the same admin
    // key race on registering it (see InstancesStartingTogether… below).
    ASSERT_TRUE(a->start()) << a->output();
    ASSERT_TRUE(b->start()) << b->output();
  }
  std::unique_ptr<ServerProcess> instance() {
    return std::make_unique<ServerProcess>(cluster_env(), std::vector<std::string>{"--database", db_->url()});
  }
  std::unique_ptr<TestDb> db_;  // declared first: dropped after both instances are gone
  std::unique_ptr<ServerProcess> a, b;
};

TEST_F(ClusterE2E, EventPublishedOnOneInstanceIsReadAndStreamedOnTheOther) {
  int64_t s0 = publish(*a, "note-0", "cluster.note"), s1 = publish(*a, "note-1", "cluster.note");
  ASSERT_TRUE(s0 > 0 && s1 > s0) << s0 << ", " << s1;
  auto on_b = read_all(*b, "cluster.note");
  ASSERT_EQ(on_b.size(), 2u);
  EXPECT_EQ(on_b[1].id, "note-1");
  EXPECT_EQ(on_b[1].sequence, s1);

  // A stream on B resumes after note-0 (catch-up from the Db), then must get
  // note-2, published on A only once the stream is known to be live.
  std::atomic<bool> caught_up{false};
  std::atomic<int64_t> s2{0};
  std::thread publisher([&] {
    eventually([&] { return caught_up.load(); });
    s2 = publish(*a, "note-2", "cluster.note");
  });
  std::vector<std::pair<std::string, std::string>> got;  // (SSE id, event id)
  auto r = read_sse(b->url("/v1/events/stream?type=cluster.note"),
                    {b->auth_header(), "Last-Event-ID: " + std::to_string(s0)},
                    [&](const SseEvent& e) {
                      auto v = bj::parse(e.data);
                      got.emplace_back(e.id, std::string(v.at("id").as_string()));
                      EXPECT_EQ(e.event, "cluster.note");
                      EXPECT_EQ(std::to_string(v.at("sequence").as_int64()), e.id);
                      caught_up = true;
                      return got.size() < 2;
                    });
  caught_up = true;  // release the publisher if the stream failed early
  publisher.join();
  EXPECT_EQ(r.status, 200) << r.error << r.body;
  ASSERT_GT(s2.load(), s1);
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(got, (std::vector<P>{P{std::to_string(s1), "note-1"}, P{std::to_string(s2.load()), "note-2"}}))
      << "stream on B stopped after: " << r.error;
}

TEST_F(ClusterE2E, RuntimeConfigChangeOnOneInstanceReachesTheOther) {
  const std::string key = "/v1/config/events.heartbeat_ms";
  auto initial = get_json(*b, key);
  ASSERT_TRUE(initial.is_object() && initial.at("layer") == "default") << bj::serialize(initial);
  int64_t default_value = initial.at("value").as_int64();
  ASSERT_NE(default_value, 5000);
  auto put = http_request("PUT", a->url(key), R"({"value":5000})", {a->auth_header(), kJson});
  ASSERT_EQ(put.status, 200) << put.body;
  bj::value seen;  // B's last answer, for the failure message
  bool applied = eventually([&] {
    seen = get_json(*b, key);
    return seen.is_object() && seen.at("layer") == "runtime" && seen.at("value") == 5000;
  });
  EXPECT_TRUE(applied) << "B still reports " << bj::serialize(seen);

  // Removing the runtime value on A puts B back on the lower layer, too.
  ASSERT_EQ(http_request("DELETE", a->url(key), "", {a->auth_header()}).status, 204);
  bool reverted = eventually([&] {
    seen = get_json(*b, key);
    return seen.is_object() && seen.at("layer") == "default" && seen.at("value") == default_value;
  });
  EXPECT_TRUE(reverted) << "B still reports " << bj::serialize(seen);
}

// A user signs in on A and uses the token on B: B verifies it with the key A
// stored, learns of role grants made on A (its permission cache is
// invalidated through the event log), and refuses the token once the session
// is logged out on A.
TEST_F(ClusterE2E, TokensGrantsAndLogoutHoldAcrossInstances) {
  auto reg = http_request("POST", a->url("/v1/auth/register"),
                          R"({"email":"grace@example.com","password":"a long cluster passphrase"})", {kJson});
  ASSERT_EQ(reg.status, 201) << reg.body;
  std::string user = std::string(bj::parse(reg.body).at("id").as_string());
  auto login = http_request("POST", a->url("/v1/auth/login"),
                            R"({"email":"grace@example.com","password":"a long cluster passphrase"})", {kJson});
  ASSERT_EQ(login.status, 200) << login.body;
  std::string bearer = "Authorization: Bearer " + std::string(bj::parse(login.body).at("access_token").as_string());

  EXPECT_EQ(http_request("GET", b->url("/v1/auth/me"), "", {bearer}).status, 200);
  EXPECT_EQ(http_request("GET", b->url("/v1/events"), "", {bearer}).status, 403);  // B caches "no events:read"
  ASSERT_EQ(http_request("PUT", a->url("/v1/users/" + user + "/permissions/events:read"), "", {a->auth_header()}).status,
            200);
  EXPECT_TRUE(eventually([&] { return http_request("GET", b->url("/v1/events"), "", {bearer}).status == 200; }));

  ASSERT_EQ(http_request("POST", a->url("/v1/auth/logout"), "", {bearer}).status, 204);
  EXPECT_EQ(http_request("GET", a->url("/v1/auth/me"), "", {bearer}).status, 401);
  EXPECT_TRUE(eventually([&] { return http_request("GET", b->url("/v1/auth/me"), "", {bearer}).status == 401; }));
}

// Sequences are handed out in commit order across instances, so a reader
// tailing with after= never skips an event that commits "late".
TEST_F(ClusterE2E, SequencesFollowCommitOrderAcrossInstancesAndTailersMissNothing) {
  constexpr int kClients = 4, kPerClient = 100;
  struct Ack {
    std::string id;
    int64_t sequence;
    SteadyClock::time_point sent, acked;
  };
  std::mutex mu;
  std::vector<Ack> acks;
  std::vector<std::string> failures;
  std::atomic<bool> publishing_done{false};
  // The tailer alternates instances page by page: both read one log.
  std::vector<Stored> tailed;
  std::string tail_error;
  size_t pages_while_publishing = 0;
  std::thread tailer([&] {
    int64_t after = 0;
    std::vector<Stored> page;
    auto deadline = SteadyClock::now() + std::chrono::seconds(60);
    for (int n = 0; SteadyClock::now() < deadline; ++n) {
      bool was_done = publishing_done;  // read before the page: an empty page then means the end
      const ServerProcess& s = n % 2 ? *b : *a;
      if (!read_page(s, "cluster.seq", after, 50, page, tail_error)) return;
      if (!was_done) ++pages_while_publishing;
      if (page.empty()) {
        if (was_done) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      tailed.insert(tailed.end(), page.begin(), page.end());
      after = page.back().sequence;
    }
    tail_error = "tailer did not finish within 60 s";
  });

  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      const ServerProcess& s = c % 2 ? *b : *a;  // half the clients on each instance
      for (int i = 0; i < kPerClient; ++i) {
        Ack ack{"seq-" + std::to_string(c) + "-" + std::to_string(i), 0, SteadyClock::now(), {}};
        std::string err;
        ack.sequence = publish(s, ack.id, "cluster.seq", &err);
        ack.acked = SteadyClock::now();
        std::lock_guard lock(mu);
        if (ack.sequence > 0) acks.push_back(ack);
        else failures.push_back(ack.id + ": " + err);
      }
    });
  }
  for (auto& t : clients) t.join();
  publishing_done = true;
  tailer.join();

  ASSERT_TRUE(failures.empty()) << failures.size() << " publishes failed, first: " << failures[0];
  ASSERT_EQ(acks.size(), static_cast<size_t>(kClients * kPerClient));
  ASSERT_TRUE(tail_error.empty()) << tail_error;

  // Real-time order: a publish acknowledged before another was sent has the
  // smaller sequence, whichever instances took them.
  size_t order_violations = 0;
  std::string example;
  for (auto& x : acks)
    for (auto& y : acks)
      if (x.acked < y.sent && x.sequence >= y.sequence && order_violations++ == 0)
        example = x.id + "@" + std::to_string(x.sequence) + " acked before " + y.id + "@" +
                  std::to_string(y.sequence) + " was sent";
  EXPECT_EQ(order_violations, 0u) << example;

  std::map<std::string, int64_t> acked;
  for (auto& k : acks) acked[k.id] = k.sequence;
  auto check_log = [&](const std::vector<Stored>& log, const char* who) {
    std::map<std::string, int64_t> seen;
    for (size_t i = 0; i < log.size(); ++i) {
      EXPECT_TRUE(i == 0 || log[i - 1].sequence < log[i].sequence) << who << ": sequence goes back at " << i;
      EXPECT_TRUE(seen.emplace(log[i].id, log[i].sequence).second) << who << ": " << log[i].id << " twice";
    }
    EXPECT_EQ(seen, acked) << who << " holds " << seen.size() << " of " << acked.size() << " acknowledged events";
  };
  check_log(read_all(*a, "cluster.seq"), "full read on A");
  check_log(read_all(*b, "cluster.seq"), "full read on B");
  check_log(tailed, "concurrent tailer");
  EXPECT_GT(pages_while_publishing, 1u) << "the tailer never overlapped the publishers";
}

TEST_F(ClusterE2E, Kill9OfOneInstanceUnderLoadLosesNothingAcknowledged) {
  std::mutex mu;
  std::vector<std::string> acked, failures;  // failures: B must keep serving while A dies
  std::atomic<int> acked_a{0}, acked_b{0};
  std::atomic<bool> a_killed{false}, stop{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      bool on_a = c % 2 == 0;
      const ServerProcess& s = on_a ? *a : *b;
      for (int i = 0; !stop; ++i) {
        std::string id = "k" + std::to_string(c) + "-" + std::to_string(i);
        bool killed_before = a_killed;
        std::string err;
        int64_t seq = publish(s, id, "cluster.durable", &err, 5000);
        std::lock_guard lock(mu);
        if (seq > 0) {
          acked.push_back(id);
          ++(on_a ? acked_a : acked_b);
        } else if (on_a && (killed_before || a_killed)) {
          return;  // A is gone: this client has nowhere to publish
        } else {
          failures.push_back(id + ": " + err);
        }
      }
    });
  }
  // Kill A mid-flight once real traffic has built up on it.
  bool loaded = eventually([&] { return acked_a >= 150; }, std::chrono::seconds(30));
  a_killed = true;
  a->kill9();
  int b_at_kill = acked_b;
  bool b_serving = eventually([&] { return acked_b >= b_at_kill + 50; }, std::chrono::seconds(30));
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_TRUE(loaded) << "only " << acked_a << " publishes to A before the deadline";
  EXPECT_TRUE(b_serving) << "B acknowledged only " << acked_b - b_at_kill << " publishes after A was killed";
  EXPECT_TRUE(failures.empty()) << failures.size() << " unexpected publish failures, first: " << failures[0];

  auto restarted = instance();
  ASSERT_TRUE(restarted->start()) << restarted->output();
  for (const ServerProcess* s : {b.get(), restarted.get()}) {
    auto log = read_all(*s, "cluster.durable");
    std::set<std::string> stored;
    for (auto& e : log) EXPECT_TRUE(stored.insert(e.id).second) << e.id << " stored twice";
    size_t lost = 0;
    for (auto& id : acked) lost += stored.count(id) == 0;
    EXPECT_EQ(lost, 0u) << "of " << acked.size() << " acknowledged, read via port " << s->port();
    // The restarted instance continues the one sequence after everything stored.
    if (s == restarted.get() && !log.empty()) {
      EXPECT_GT(publish(*s, "after-restart", "cluster.durable"), log.back().sequence);
    }
  }
}

// `switchboard serve` on port 0, spawned without waiting, so several can
// start at the same moment (ServerProcess::start waits for each in turn, and
// its pre-picked port can be taken by another process in between).
class Spawned {
 public:
  explicit Spawned(const std::string& database)
      : child_({SB_BINARY, "serve", "--listen", "127.0.0.1:0", "--data-dir", dir_.file("data"), "--database", database},
               env(), dir_.file("out.log")) {}
  std::string output() const { return read_file(dir_.file("out.log")); }
  // The URL it printed once listening; empty if it exited or took over 20 s.
  std::string wait_url() {
    static const std::regex re(R"(listening on (http://[0-9.]+:[0-9]+))");
    std::smatch m;
    std::string out;
    eventually([&] {
      out = output();
      return std::regex_search(out, m, re) || !child_.running();
    }, std::chrono::seconds(20));
    return std::regex_search(out, m, re) ? m[1].str() : "";
  }

 private:
  static std::map<std::string, std::string> env() {
    auto e = cluster_env();
    e.emplace("SWITCHBOARD_LOG__LEVEL", "warn");
    return e;
  }
  TempDir dir_;  // before child_: the files exist as long as the child may write them
  ChildProcess child_;
};

// docs/operations.md: instances starting together on PostgreSQL serialise
// their start-up; every one of them must come up and serve.
TEST(ClusterStartup, InstancesStartingTogetherOnAFreshDatabaseAllComeUp) {
  TestDb db = open_blank_test_db(store::Engine::kPostgres);  // unmigrated: the instances migrate it
  db.close();
  std::vector<std::unique_ptr<Spawned>> servers;
  for (int i = 0; i < 3; ++i) servers.push_back(std::make_unique<Spawned>(db.url()));
  for (size_t i = 0; i < servers.size(); ++i) {
    std::string url = servers[i]->wait_url();
    ASSERT_FALSE(url.empty()) << "instance " << i << " did not start:\n" << servers[i]->output();
    EXPECT_EQ(http_request("GET", url + "/ready").status, 200);
    auto r = http_request("POST", url + "/v1/events", event_json("start-" + std::to_string(i), "cluster.start"),
                          {"Authorization: Bearer " + kAdminKey, kJson});
    EXPECT_EQ(r.status, 201) << r.body;
  }
}

}  // namespace
}  // namespace sb::test
