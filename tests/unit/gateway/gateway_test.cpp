#include "gateway/gateway.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <map>
#include <set>

namespace sb::gateway {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;

const char* kTwoRoutes = R"([
  {"name":"all","match":{"path_prefix":"/"},"upstream":{"urls":["http://10.0.0.1:80"]}},
  {"name":"orders","match":{"path_prefix":"/orders","methods":["GET"]},
   "upstream":{"urls":["http://10.0.0.1:81","http://10.0.0.2:81","http://10.0.0.3:81"]},
   "outlier":{"consecutive_failures":2,"base_ejection_ms":1000,"max_ejection_ms":3000}},
  {"name":"admin","match":{"host":"admin.test","path_prefix":"/orders"},"upstream":{"service":"admin"}}])";

struct GatewayTest : ::testing::Test {
  ManualClock clock;
  std::vector<Target> admin_instances{{"10.0.1.1", 90, ""}};
  Gateway gw{clock, [this](std::string_view s) { return s == "admin" ? admin_instances : std::vector<Target>{}; }};

  void SetUp() override { ASSERT_TRUE(gw.apply(bj::parse(kTwoRoutes))); }
  const Route& orders() { return *gw.routes()->match("", "GET", "/orders").route; }
  size_t orders_index() { return gw.routes()->match("", "GET", "/orders").index; }
  std::string pick(std::vector<std::string> tried = {}) {
    auto t = gw.choose(*gw.routes(), orders_index(), "", tried);
    return t.ok() ? t->key() : t.status().message();
  }
  void fail(const std::string& key) {
    auto colon = key.find(':');
    Target t{key.substr(0, colon), std::stoi(key.substr(colon + 1)), ""};
    gw.begin(t);
    gw.finish(orders(), t, true);
  }
};

TEST_F(GatewayTest, MatchesLongestPrefixThenMethodThenHost) {
  auto table = gw.routes();
  EXPECT_EQ(table->match("x", "GET", "/orders/7").route->name, "orders");
  EXPECT_EQ(table->match("x", "POST", "/orders/7").route->name, "all");  // method falls through to "/"
  EXPECT_EQ(table->match("ADMIN.test:8080", "POST", "/orders").route->name, "admin");
  EXPECT_EQ(table->match("x", "GET", "/ordersx").route->name, "all");
  ASSERT_TRUE(gw.apply(bj::parse(R"([{"name":"o","match":{"path_prefix":"/o","methods":["GET"]},
                                     "upstream":{"service":"o"}}])")));
  auto m = gw.routes()->match("x", "DELETE", "/o/1");
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_FALSE(gw.routes()->match("x", "GET", "/p").path_known);
}

TEST_F(GatewayTest, RefusedChangeKeepsTheRunningTable) {
  auto before = gw.routes();
  Status s = gw.apply(bj::parse(R"([{"name":"bad","match":{"path_prefix":"/v1"},"upstream":{"service":"o"}}])"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.fields().front().field, "/0/match/path_prefix");
  EXPECT_EQ(gw.routes(), before);
}

TEST_F(GatewayTest, RoundRobinVisitsEveryInstance) {
  std::map<std::string, int> seen;
  for (int i = 0; i < 9; ++i) ++seen[pick()];
  EXPECT_EQ(seen.size(), 3u);
  for (auto& [k, n] : seen) EXPECT_EQ(n, 3) << k;
}

TEST_F(GatewayTest, RetryPrefersAnotherInstance) {
  for (int i = 0; i < 6; ++i) EXPECT_NE(pick({"10.0.0.1:81"}), "10.0.0.1:81");
  EXPECT_EQ(pick({"10.0.0.1:81", "10.0.0.2:81"}), "10.0.0.3:81");
  // All tried: back to one still in rotation.
  EXPECT_NE(pick({"10.0.0.1:81", "10.0.0.2:81", "10.0.0.3:81"}).find("10.0.0."), std::string::npos);
}

TEST_F(GatewayTest, ConsecutiveFailuresEjectForAGrowingIntervalThenReturn) {
  fail("10.0.0.2:81");
  EXPECT_FALSE(gw.outliers().ejected("10.0.0.2:81"));  // one failure is not enough
  fail("10.0.0.2:81");
  EXPECT_TRUE(gw.outliers().ejected("10.0.0.2:81"));
  for (int i = 0; i < 12; ++i) EXPECT_NE(pick(), "10.0.0.2:81");
  clock.advance(999ms);
  EXPECT_TRUE(gw.outliers().ejected("10.0.0.2:81"));
  clock.advance(1ms);
  EXPECT_FALSE(gw.outliers().ejected("10.0.0.2:81"));  // back on its own
  // Failing again at once: twice as long.
  fail("10.0.0.2:81");
  fail("10.0.0.2:81");
  clock.advance(1999ms);
  EXPECT_TRUE(gw.outliers().ejected("10.0.0.2:81"));
  clock.advance(1ms);
  EXPECT_FALSE(gw.outliers().ejected("10.0.0.2:81"));
  // Capped at max_ejection_ms.
  fail("10.0.0.2:81");
  fail("10.0.0.2:81");
  clock.advance(3000ms);
  EXPECT_FALSE(gw.outliers().ejected("10.0.0.2:81"));
  // Long healthy stretches forgive: back to the base interval.
  clock.advance(60s);
  fail("10.0.0.2:81");
  fail("10.0.0.2:81");
  clock.advance(1000ms);
  EXPECT_FALSE(gw.outliers().ejected("10.0.0.2:81"));
  auto status = gw.outliers().status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].key, "10.0.0.2:81");
  EXPECT_EQ(status[0].total_ejections, 4);
}

TEST_F(GatewayTest, ASuccessResetsTheFailureCount) {
  Target t{"10.0.0.1", 81, ""};
  fail(t.key());
  gw.begin(t);
  gw.finish(orders(), t, false);
  fail(t.key());
  EXPECT_FALSE(gw.outliers().ejected(t.key()));
}

TEST_F(GatewayTest, EveryInstanceEjectedIsUnavailableNamingTheUpstream) {
  for (const char* k : {"10.0.0.1:81", "10.0.0.2:81", "10.0.0.3:81"}) fail(k), fail(k);
  std::string why = pick();
  EXPECT_NE(why.find("ejected"), std::string::npos);
  EXPECT_NE(why.find("http://10.0.0.1:81"), std::string::npos);
}

TEST_F(GatewayTest, RegistryServicesResolveToHealthyInstances) {
  auto table = gw.routes();
  auto m = table->match("admin.test", "GET", "/orders");
  auto t = gw.choose(*table, m.index, "", {});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->key(), "10.0.1.1:90");
  admin_instances.clear();
  auto none = gw.choose(*table, m.index, "", {});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "service admin has no healthy instances");
}

TEST_F(GatewayTest, LeastRequestsAvoidsBusyInstances) {
  ASSERT_TRUE(gw.apply(bj::parse(R"([{"name":"o","match":{"path_prefix":"/o"},"balance":"least_requests",
      "upstream":{"urls":["http://a:1","http://b:1"]}}])")));
  auto table = gw.routes();
  gw.begin(Target{"a", 1, ""});
  gw.begin(Target{"a", 1, ""});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(gw.choose(*table, 0, "", {})->key(), "b:1");
}

TEST_F(GatewayTest, HashKeepsAKeyOnOneInstance) {
  ASSERT_TRUE(gw.apply(bj::parse(R"([{"name":"o","match":{"path_prefix":"/o"},"balance":"hash","hash_header":"x-t",
      "upstream":{"urls":["http://a:1","http://b:1","http://c:1","http://d:1"]}}])")));
  auto table = gw.routes();
  std::map<std::string, std::string> placed;
  std::set<std::string> used;
  for (int i = 0; i < 40; ++i) {
    std::string key = "tenant-" + std::to_string(i);
    placed[key] = gw.choose(*table, 0, key, {})->key();
    used.insert(placed[key]);
    EXPECT_EQ(gw.choose(*table, 0, key, {})->key(), placed[key]);
  }
  EXPECT_GE(used.size(), 3u);  // spread
  // Ejecting one instance moves only the keys it held.
  Target b{"b", 1, ""};
  for (int i = 0; i < 5; ++i) gw.begin(b), gw.finish(table->routes()[0], b, true);
  for (auto& [key, where] : placed)
    if (where != "b:1") {
      EXPECT_EQ(gw.choose(*table, 0, key, {})->key(), where) << key;
    }
}

}  // namespace
}  // namespace sb::gateway
