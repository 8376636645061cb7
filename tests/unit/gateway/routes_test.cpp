#include "gateway/routes.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace sb::gateway {
namespace {

namespace bj = boost::json;

Result<std::vector<Route>> parse(std::string_view text) { return parse_routes(bj::parse(text)); }

// The first error's field, or "" when the value parsed.
std::string first_field(std::string_view text) {
  auto r = parse(text);
  if (r.ok()) return "";
  return r.status().fields().empty() ? "?" : r.status().fields().front().field;
}

TEST(GatewayRoutes, ParsesAFullRoute) {
  auto r = parse(R"([{"name":"orders","match":{"host":"API.example.com","path_prefix":"/orders/","methods":["get","POST"]},
    "upstream":{"urls":["http://127.0.0.1:9001","http://localhost:9002/base/"]},"strip_prefix":true,
    "headers":{"add":{"X-Env":"prod"},"remove":["Cookie"]},"auth":"required","permission":"orders:read",
    "rate_limit":{"limit":"100/1m","per":"user"},"timeout_ms":2500,"retries":2,"balance":"hash","hash_header":"X-Tenant",
    "outlier":{"consecutive_failures":3,"base_ejection_ms":1000,"max_ejection_ms":8000}}])");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const Route& o = r->front();
  EXPECT_EQ(o.host, "api.example.com");
  EXPECT_EQ(o.path_prefix, "/orders");
  EXPECT_EQ(o.methods, (std::vector<std::string>{"GET", "POST"}));
  ASSERT_EQ(o.urls.size(), 2u);
  EXPECT_EQ(o.urls[1], (Target{"localhost", 9002, "/base"}));
  EXPECT_EQ(o.add_headers.front(), (std::pair<std::string, std::string>{"x-env", "prod"}));
  EXPECT_EQ(o.remove_headers.front(), "cookie");
  EXPECT_EQ(o.auth, Auth::kRequired);
  EXPECT_EQ(o.rate_limit.count, 100);
  EXPECT_EQ(o.rate_key, RateKey::kUser);
  EXPECT_EQ(o.timeout_ms, 2500);
  EXPECT_EQ(o.balance, Balance::kHashHeader);
  EXPECT_EQ(o.hash_header, "x-tenant");
  EXPECT_EQ(o.outlier.consecutive_failures, 3);
}

TEST(GatewayRoutes, ErrorsNameTheField) {
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"orders"},"upstream":{"service":"o"}}])"),
            "/0/match/path_prefix");
  EXPECT_EQ(first_field(R"([{"name":"a","match":{},"upstream":{"service":"o"}}])"), "/0/match/path_prefix");
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/a"}}])"), "/0/upstream");
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/a"},"upstream":{"service":"o","urls":[]}}])"),
            "/0/upstream");
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/a"},"upstream":{"urls":["https://x"]}}])"),
            "/0/upstream/urls/0");
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/a"},"upstream":{"urls":["http://x:0"]}}])"),
            "/0/upstream/urls/0");
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/a"},"upstream":{"service":"o"},"auth":"maybe"}])"),
            "/0/auth");
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/a"},"upstream":{"service":"o"},"timeout":5}])"),
            "/0/timeout");
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/a"},"upstream":{"service":"o"},
                             "rate_limit":{"limit":"ten"}}])"),
            "/0/rate_limit/limit");
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/a"},"upstream":{"service":"o"},"retries":9}])"),
            "/0/retries");
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/a"},"upstream":{"service":"o"},"balance":"hash"}])"),
            "/0/hash_header");
  EXPECT_EQ(first_field(R"({"name":"a"})"), "");  // not an array: the key's own error
  EXPECT_FALSE(parse(R"({"name":"a"})").ok());
}

TEST(GatewayRoutes, RefusesReservedPrefixes) {
  for (const char* p : {"/v1", "/v1/things", "/api", "/ui/x", "/.well-known", "/health", "/ready", "/metrics"}) {
    std::string doc = std::string(R"([{"name":"a","match":{"path_prefix":")") + p +
                      R"("},"upstream":{"service":"o"}}])";
    auto r = parse(doc);
    ASSERT_FALSE(r.ok()) << p;
    EXPECT_EQ(r.status().fields().front().field, "/0/match/path_prefix");
    EXPECT_NE(r.status().fields().front().message.find("reserved"), std::string::npos);
  }
  // Prefixes that only start with the same letters are not reserved.
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/v1beta"},"upstream":{"service":"o"}},
                            {"name":"b","match":{"path_prefix":"/"},"upstream":{"service":"o"}}])"),
            "");
}

TEST(GatewayRoutes, ReportsOverlapsAndDuplicateNames) {
  auto r = parse(R"([{"name":"a","match":{"path_prefix":"/o","methods":["GET"]},"upstream":{"service":"o"}},
                     {"name":"b","match":{"path_prefix":"/o/"},"upstream":{"service":"o"}}])");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().fields().front().field, "/1/match/path_prefix");
  EXPECT_NE(r.status().fields().front().message.find("\"a\""), std::string::npos);
  // Different methods, or another host: no overlap.
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/o","methods":["GET"]},"upstream":{"service":"o"}},
                            {"name":"b","match":{"path_prefix":"/o","methods":["POST"]},"upstream":{"service":"o"}},
                            {"name":"c","match":{"host":"x.test","path_prefix":"/o"},"upstream":{"service":"o"}}])"),
            "");
  EXPECT_EQ(first_field(R"([{"name":"a","match":{"path_prefix":"/o"},"upstream":{"service":"o"}},
                            {"name":"a","match":{"path_prefix":"/p"},"upstream":{"service":"o"}}])"),
            "/1/name");
}

TEST(GatewayRoutes, PathRewriteAndRetryRules) {
  auto r = parse(R"([{"name":"a","match":{"path_prefix":"/orders"},"upstream":{"urls":["http://h:1/base"]},
                      "strip_prefix":true}])");
  ASSERT_TRUE(r.ok());
  const Route& a = r->front();
  EXPECT_TRUE(a.matches_path("/orders"));
  EXPECT_TRUE(a.matches_path("/orders/1"));
  EXPECT_FALSE(a.matches_path("/orders-x"));
  EXPECT_EQ(a.upstream_path("/orders/1", a.urls[0]), "/base/1");
  EXPECT_EQ(a.upstream_path("/orders", a.urls[0]), "/base/");
  Route keep = a;
  keep.strip_prefix = false;
  EXPECT_EQ(keep.upstream_path("/orders/1", Target{"h", 1, ""}), "/orders/1");
  for (const char* m : {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}) EXPECT_TRUE(a.may_retry(m)) << m;
  EXPECT_FALSE(a.may_retry("POST"));
  EXPECT_FALSE(a.may_retry("PATCH"));
  keep.retry_non_idempotent = true;
  EXPECT_TRUE(keep.may_retry("PATCH"));
  EXPECT_FALSE(keep.may_retry("POST"));  // never
}

}  // namespace
}  // namespace sb::gateway
