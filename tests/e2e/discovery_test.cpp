// The service registry over HTTP against the built binary: the contract
// (fields, filters, problem+json), a Consul-style watch that blocks until a
// change, the SSE stream of changes, and a real heartbeating process killed
// with -9: critical once its TTL runs out, gone after its deregister delay.
// Bounded waits on conditions, never sleeps that guess a duration.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <future>

#include "child_process.h"
#include "curl_client.h"
#include "eventually.h"
#include "server_process.h"
#include "test_databases.h"

namespace sb::test {
namespace {

namespace bj = boost::json;
const std::string kJson = "Content-Type: application/json";

std::map<std::string, std::string> env() {
  return {{"SWITCHBOARD_HTTP__ACCESS_LOG", "false"}, {"SWITCHBOARD_DISCOVERY__TICK_MS", "50"}};
}

class Discovery : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(s.start()) << s.output(); }
  HttpResult call(const std::string& method, const std::string& path, const std::string& body = "",
                  long timeout_ms = 10'000) {
    return http_request(method, s.url(path), body, {s.auth_header(), kJson}, timeout_ms);
  }
  bj::value json_of(const HttpResult& r) { return bj::parse(r.body.empty() ? "null" : r.body); }
  std::vector<std::string> ids(const std::string& path) {
    auto doc = json_of(call("GET", path));
    std::vector<std::string> out;
    for (const auto& in : doc.at("instances").as_array()) out.emplace_back(in.at("id").as_string());
    return out;
  }
  ServerProcess s{env()};
};

TEST_F(Discovery, RegisterDiscoverFilterDeregister) {
  auto a = call("PUT", "/v1/services/orders/instances/o1",
                R"({"address":"127.0.0.1","port":9001,"tags":["v2","eu"],"meta":{"build":"42"},"version":"2.1.0",
                    "zone":"eu-1","check":{"ttl_ms":60000}})");
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(json_of(a).at("status").as_string(), "passing");
  ASSERT_EQ(call("PUT", "/v1/services/orders/instances/o2",
                 R"({"address":"127.0.0.1","port":1,"tags":["v1"],"check":{"tcp":"127.0.0.1:1","interval_ms":100,"timeout_ms":50}})")
                .status,
            200);
  auto all = call("GET", "/v1/services/orders");
  ASSERT_EQ(all.status, 200) << all.body;
  auto doc = json_of(all);
  EXPECT_EQ(doc.at("instances").as_array().size(), 2u);
  EXPECT_EQ(all.headers["x-index"], std::to_string(doc.at("index").as_int64()));
  auto o1 = doc.at("instances").at(0);
  EXPECT_EQ(o1.at("meta").at("build").as_string(), "42");
  EXPECT_EQ(o1.at("port").as_int64(), 9001);
  EXPECT_EQ(ids("/v1/services/orders?healthy=true"), std::vector<std::string>{"o1"}) << "o2 fails its TCP check";
  EXPECT_EQ(ids("/v1/services/orders?tag=v1"), std::vector<std::string>{"o2"});
  EXPECT_TRUE(eventually([&] {
    auto d = json_of(call("GET", "/v1/services/orders"));
    for (const auto& in : d.at("instances").as_array())
      if (in.at("id") == "o2") return in.as_object().contains("output") && in.at("output").as_string().find("connect") != std::string::npos;
    return false;
  })) << "the failing check says why";

  auto list = json_of(call("GET", "/v1/services"));
  EXPECT_EQ(list.at("services").at(0).at("name").as_string(), "orders");
  EXPECT_EQ(list.at("services").at(0).at("passing").as_int64(), 1);

  // The operator's view, from the same store.
  std::string out;
  ASSERT_EQ(run_cli({"services", "show", "orders", "--data-dir", s.data_dir()}, out), 0) << out;
  EXPECT_NE(out.find("o1"), std::string::npos) << out;
  EXPECT_NE(out.find("127.0.0.1:9001  passing"), std::string::npos) << out;
  ASSERT_EQ(run_cli({"services", "ls", "--data-dir", s.data_dir()}, out), 0) << out;
  EXPECT_NE(out.find("orders   2          1"), std::string::npos) << out;

  EXPECT_EQ(call("PUT", "/v1/services/orders/instances/o1/heartbeat").status, 204);
  EXPECT_EQ(call("PUT", "/v1/services/orders/instances/nope/heartbeat").status, 404);
  EXPECT_EQ(call("DELETE", "/v1/services/orders/instances/o2").status, 204);
  EXPECT_EQ(ids("/v1/services/orders"), std::vector<std::string>{"o1"});
  ASSERT_EQ(run_cli({"services", "deregister", "orders", "o1", "--data-dir", s.data_dir()}, out), 0) << out;
  EXPECT_TRUE(eventually([&] { return ids("/v1/services/orders").empty(); })) << "the server follows the log";
  EXPECT_TRUE(json_of(call("GET", "/v1/services/unknown")).at("instances").as_array().empty());
  ASSERT_EQ(call("PUT", "/v1/services/orders/instances/o1", R"({"address":"127.0.0.1","port":9001})").status, 200);

  auto bad = call("PUT", "/v1/services/orders/instances/o3", R"({"address":"127.0.0.1","port":0,"check":{"http":"x"}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.headers["content-type"], "application/problem+json");
  auto errors = json_of(bad).at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u) << bad.body;
  EXPECT_EQ(errors[0].at("field").as_string(), "/port");
  EXPECT_EQ(errors[1].at("field").as_string(), "/check/http");
  EXPECT_EQ(call("PUT", "/v1/services/Bad!/instances/o3", R"({"address":"127.0.0.1","port":1})").status, 400);
  EXPECT_EQ(http_request("GET", s.url("/v1/services"), "", {}).status, 401);
}

TEST_F(Discovery, WatchBlocksUntilAChangeAndTheStreamCarriesIt) {
  ASSERT_EQ(call("PUT", "/v1/services/pay/instances/p1", R"({"address":"127.0.0.1","port":9001})").status, 200);
  int64_t index = json_of(call("GET", "/v1/services/pay")).at("index").as_int64();

  auto idle = call("GET", "/v1/services/pay?index=" + std::to_string(index) + "&wait=300ms");
  EXPECT_EQ(idle.status, 200);
  EXPECT_EQ(json_of(idle).at("index").as_int64(), index) << "nothing changed: answered at the deadline";

  auto watch = std::async(std::launch::async, [&] {
    return call("GET", "/v1/services/pay?index=" + std::to_string(index) + "&wait=20s", "", 25'000);
  });
  ASSERT_EQ(watch.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout) << "it blocks";
  ASSERT_EQ(call("PUT", "/v1/services/pay/instances/p2", R"({"address":"127.0.0.1","port":9002})").status, 200);
  ASSERT_EQ(watch.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto changed = watch.get();
  EXPECT_GT(json_of(changed).at("index").as_int64(), index);
  EXPECT_EQ(json_of(changed).at("instances").as_array().size(), 2u);

  std::vector<std::string> seen;
  auto stream = std::async(std::launch::async, [&] {
    return read_sse(s.url("/v1/services/pay/stream?after=0"), {s.auth_header()}, [&](const SseEvent& e) {
      if (!e.event.empty() && e.event != "heartbeat") seen.push_back(e.event);
      return seen.size() < 2;
    }, 10'000);
  });
  stream.get();
  EXPECT_EQ(seen, (std::vector<std::string>{"service.registered", "service.registered"}));
}

TEST_F(Discovery, AKilledHeartbeatingInstanceGoesCriticalThenAway) {
  // A real service process: registers with a 1 s TTL, heartbeats every 200 ms.
  std::string script =
      "curl -sf -X PUT -H '" + s.auth_header() + "' -H '" + kJson + "' -d '{\"address\":\"127.0.0.1\",\"port\":9100,"
      "\"check\":{\"ttl_ms\":1000,\"deregister_after_ms\":1500}}' " + s.url("/v1/services/worker/instances/w1") +
      " >/dev/null || exit 1; while true; do curl -sf -X PUT -H '" + s.auth_header() + "' " +
      s.url("/v1/services/worker/instances/w1/heartbeat") + " >/dev/null; sleep 0.2; done";
  TempDir dir;
  ChildProcess service({"/bin/sh", "-c", script}, {}, dir.file("service.log"));
  auto status = [&]() -> std::string {
    auto d = json_of(call("GET", "/v1/services/worker"));
    auto& list = d.at("instances").as_array();
    return list.empty() ? "gone" : std::string(list[0].at("status").as_string());
  };
  ASSERT_TRUE(eventually([&] { return status() == "passing"; }));
  // Passing while it heartbeats, well past its TTL.
  auto t0 = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(1500)) ASSERT_EQ(status(), "passing");
  service.kill_and_wait();  // SIGKILL: no deregistration, the heartbeats just stop
  EXPECT_TRUE(eventually([&] { return status() == "critical"; }, std::chrono::seconds(5)));
  EXPECT_TRUE(eventually([&] { return status() == "gone"; }, std::chrono::seconds(5)));
  auto events = json_of(call("GET", "/v1/events?type=service.*&subject=worker")).at("events").as_array();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].at("type").as_string(), "service.health_changed");
  EXPECT_EQ(events[2].at("type").as_string(), "service.deregistered");
}

// The README's example service (examples/registered_service.py), as a user
// runs it: discovered while it runs, gone as soon as it is asked to stop.
TEST_F(Discovery, TheReadmeExampleRegistersAndLeavesOnSigterm) {
  TempDir dir;
  int port = free_port();  // the example serves on it
  ChildProcess example({"/usr/bin/env", "python3", std::string(SB_SOURCE_DIR) + "/examples/registered_service.py"},
                       {{"SB_URL", s.url()}, {"SB_KEY", s.admin_key()}, {"PORT", std::to_string(port)}},
                       dir.file("example.log"));
  auto instances = [&] { return json_of(call("GET", "/v1/services/hello?healthy=true")).at("instances").as_array(); };
  ASSERT_TRUE(eventually([&] { return instances().size() == 1; })) << read_file(dir.file("example.log"));
  EXPECT_EQ(instances()[0].at("port").as_int64(), port);
  auto hello = http_request("GET", "http://127.0.0.1:" + std::to_string(port) + "/", "", {});
  EXPECT_EQ(hello.body, "hello\n");
  EXPECT_EQ(example.terminate(10'000), 0) << read_file(dir.file("example.log"));
  EXPECT_TRUE(json_of(call("GET", "/v1/services/hello")).at("instances").as_array().empty())
      << "deregistered before it exited";
}

// Two instances on one PostgreSQL answer discovery from the same state; the
// checker runs on one of them only.
TEST(DiscoveryCluster, EveryInstanceAnswersFromTheSameState) {
  auto db = open_test_db(store::Engine::kPostgres);
  auto e = env();
  e["SWITCHBOARD_ADMIN_KEY"] = "sbk_discovery_cluster_0123456789abcd";
  e["SWITCHBOARD_IDENTITY__MASTER_KEY"] = "ZGlzY292ZXJ5LWNsdXN0ZXItbWFzdGVyLWtleS0zMiE=";
  ServerProcess a(e, {"--database", db.url()}), b(e, {"--database", db.url()});
  ASSERT_TRUE(a.start()) << a.output();
  ASSERT_TRUE(b.start()) << b.output();
  auto put = http_request("PUT", a.url("/v1/services/search/instances/s1"),
                          R"({"address":"127.0.0.1","port":9200,"check":{"ttl_ms":800}})", {a.auth_header(), kJson});
  ASSERT_EQ(put.status, 200) << put.body;
  auto status_on_b = [&] {
    auto r = http_request("GET", b.url("/v1/services/search"), "", {b.auth_header()});
    auto d = bj::parse(r.body);
    auto& list = d.at("instances").as_array();
    return list.empty() ? std::string("none") : std::string(list[0].at("status").as_string());
  };
  EXPECT_TRUE(eventually([&] { return status_on_b() == "passing"; }));
  EXPECT_TRUE(eventually([&] { return status_on_b() == "critical"; })) << "whichever instance holds the lease swept";
}

}  // namespace
}  // namespace sb::test
