// The gateway end to end: the built binary proxying to real HTTP servers on
// loopback (tests/support/http_standin.h), some made to fail, hang or be
// gone. Routes are set at run time through the config API, as an operator
// would; waits are bounded conditions, never sleeps.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "curl_client.h"
#include "eventually.h"
#include "http_standin.h"
#include "server_process.h"

namespace sb::test {
namespace {

namespace bj = boost::json;
const std::string kJson = "Content-Type: application/json";

// A loopback port nothing listens on (bound, then closed).
int dead_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

class GatewayE2E : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server.start()) << server.output(); }
  HttpResult admin(const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(method, server.url(path), body, {server.auth_header(), kJson});
  }
  HttpResult set_routes(const std::string& routes) {
    return admin("PUT", "/v1/config/gateway.routes", "{\"value\":" + routes + "}");
  }
  // Sets the routes and waits until `probe` answers something else than 404.
  void route(const std::string& routes, const std::string& probe) {
    auto r = set_routes(routes);
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_TRUE(eventually([&] { return get(probe).status != 404; })) << probe;
  }
  HttpResult get(const std::string& path, const std::vector<std::string>& headers = {}) {
    return http_request("GET", server.url(path), "", headers);
  }
  std::string user_token(const std::string& email, const std::string& role = "") {
    auto reg = http_request("POST", server.url("/v1/auth/register"),
                            R"({"email":")" + email + R"(","password":"correct horse battery staple"})", {kJson});
    EXPECT_EQ(reg.status, 201) << reg.body;
    std::string id(bj::parse(reg.body).at("id").as_string());
    if (!role.empty()) {
      EXPECT_EQ(admin("PUT", "/v1/users/" + id + "/roles/" + role).status / 100, 2);
    }
    auto login = http_request("POST", server.url("/v1/auth/login"),
                              R"({"email":")" + email + R"(","password":"correct horse battery staple"})", {kJson});
    EXPECT_EQ(login.status, 200) << login.body;
    return std::string(bj::parse(login.body).at("access_token").as_string());
  }
  static std::string problem_type(const HttpResult& r) {
    auto v = bj::parse(r.body);
    return std::string(v.at("type").as_string());
  }
  ServerProcess server;
};

TEST_F(GatewayE2E, RoutesStripsThePrefixAndNeverForwardsAClientsIdentity) {
  HttpStandin orders;
  orders.set_default({200, {{"Content-Type", "application/json"}, {"X-Upstream", "orders"}}, R"({"items":[1,2]})"});
  route(R"([{"name":"orders","match":{"path_prefix":"/orders"},"strip_prefix":true,
             "headers":{"add":{"X-Env":"test"},"remove":["X-Drop"]},
             "upstream":{"urls":[")" + orders.base_url() + R"("]}}])",
        "/orders/health");
  size_t before = orders.request_count();
  auto r = get("/orders/items?limit=2&x=%2F",
               {"X-User-Id: mallory", "X-User-Roles: admin", "x-auth-principal: admin-key:x", "X-Drop: 1",
                "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "X-Request-Id: req-123"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"items":[1,2]})");
  EXPECT_EQ(r.headers["x-upstream"], "orders");
  EXPECT_EQ(r.headers["x-request-id"], "req-123");
  auto seen = orders.requests();
  ASSERT_EQ(seen.size(), before + 1);
  const RecordedRequest& up = seen.back();
  EXPECT_EQ(up.method, "GET");
  EXPECT_EQ(up.target, "/items?limit=2&x=%2F");
  EXPECT_EQ(up.header("x-user-id"), "");  // an anonymous route: no identity at all
  EXPECT_EQ(up.header("x-user-roles"), "");
  EXPECT_EQ(up.header("x-auth-principal"), "");
  EXPECT_EQ(up.header("x-drop"), "");
  EXPECT_EQ(up.header("x-env"), "test");
  EXPECT_EQ(up.header("x-request-id"), "req-123");
  // Our span, in the caller's trace.
  EXPECT_EQ(up.header("traceparent").substr(0, 36), "00-0af7651916cd43dd8448eb211c80319c-");
  EXPECT_NE(up.header("traceparent"), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  int spoofs = 0;
  for (auto& [name, value] : up.headers) spoofs += name == "x-user-id" || value == "mallory";
  EXPECT_EQ(spoofs, 0);

  // Unrouted paths and Switchboard's own prefixes are 404 problem+json.
  auto none = get("/nowhere");
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(none.headers["content-type"], "application/problem+json");
  EXPECT_EQ(get("/v1/not-an-api").status, 404);
  EXPECT_EQ(get("/orders/../v1/config").status / 100, 4);
}

TEST_F(GatewayE2E, AuthRoutesAnswer401And403AndForwardTheVerifiedUser) {
  HttpStandin api;
  route(R"([{"name":"secure","match":{"path_prefix":"/secure"},"permission":"orders:read",
             "upstream":{"urls":[")" + api.base_url() + R"("]}}])",
        "/secure");
  auto anon = get("/secure/x", {"X-User-Id: mallory"});
  EXPECT_EQ(anon.status, 401);
  EXPECT_EQ(anon.headers["www-authenticate"], "Bearer");
  EXPECT_EQ(api.request_count(), 0u);

  ASSERT_EQ(admin("PUT", "/v1/roles/order-reader", R"({"permissions":["orders:read"]})").status / 100, 2);
  std::string reader = user_token("reader@example.com", "order-reader");
  std::string other = user_token("other@example.com");
  EXPECT_EQ(get("/secure/x", {"Authorization: Bearer " + other}).status, 403);
  EXPECT_EQ(api.request_count(), 0u);

  ASSERT_TRUE(eventually([&] {
    return get("/secure/x", {"Authorization: Bearer " + reader, "X-User-Id: mallory"}).status == 200;
  }));
  const RecordedRequest up = api.requests().back();
  EXPECT_FALSE(up.header("x-user-id").empty());
  EXPECT_NE(up.header("x-user-id"), "mallory");
  EXPECT_EQ(up.header("x-auth-principal"), "user:" + up.header("x-user-id"));
  EXPECT_EQ(up.header("authorization"), "Bearer " + reader);  // the upstream may verify it again

  // Forward-auth answers the same question for another proxy.
  EXPECT_EQ(http_request("GET", server.url("/v1/authz")).status, 401);
  auto ok = http_request("GET", server.url("/v1/authz?permission=orders:read"), "", {"Authorization: Bearer " + reader});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.headers["x-user-id"], up.header("x-user-id"));
  EXPECT_EQ(http_request("GET", server.url("/v1/authz"), "",
                         {"Authorization: Bearer " + other, "X-Required-Permission: orders:read"}).status, 403);
  EXPECT_EQ(http_request("POST", server.url("/v1/authz/orders/1"), "", {"Authorization: Bearer " + other}).status, 200);
}

TEST_F(GatewayE2E, FailuresAre502And504NamingTheUpstream) {
  HttpStandin hangs;
  hangs.set_default({200, {}, "", true});
  int gone = dead_port();
  route(R"([{"name":"gone","match":{"path_prefix":"/gone"},"retries":0,
             "upstream":{"urls":["http://127.0.0.1:)" + std::to_string(gone) + R"("]}},
            {"name":"slow","match":{"path_prefix":"/slow"},"timeout_ms":300,"retries":0,
             "upstream":{"urls":[")" + hangs.base_url() + R"("]}}])",
        "/gone");
  auto refused = get("/gone");
  EXPECT_EQ(refused.status, 502);
  EXPECT_EQ(refused.headers["content-type"], "application/problem+json");
  EXPECT_NE(refused.body.find("127.0.0.1:" + std::to_string(gone)), std::string::npos) << refused.body;
  auto slow = get("/slow");
  EXPECT_EQ(slow.status, 504);
  EXPECT_EQ(problem_type(slow).find("upstream-timeout") != std::string::npos, true) << slow.body;
  EXPECT_NE(slow.body.find(hangs.base_url().substr(7)), std::string::npos) << slow.body;
}

TEST_F(GatewayE2E, AnEjectedInstanceIsNotRoutedToAndAPostIsNeverRetried) {
  HttpStandin good, bad;
  bad.set_default({500, {}, "boom"});
  route(R"([{"name":"pair","match":{"path_prefix":"/pair"},"retries":0,
             "outlier":{"consecutive_failures":2,"base_ejection_ms":600000},
             "upstream":{"urls":[")" + good.base_url() + R"(",")" + bad.base_url() + R"("]}}])",
        "/pair");
  // Round robin: the bad instance gets requests until its second failure.
  for (int i = 0; i < 6; ++i) get("/pair");
  size_t bad_hits = bad.request_count();
  EXPECT_LE(bad_hits, 3u);  // the probe, then two failures at most
  for (int i = 0; i < 10; ++i) EXPECT_EQ(get("/pair").status, 200);
  EXPECT_EQ(bad.request_count(), bad_hits);

  HttpStandin failing;
  failing.set_default({503, {}, "down"});
  // Ejection off here: this instance's failures are the point.
  route(R"([{"name":"writes","match":{"path_prefix":"/writes"},"retries":2,"outlier":{"consecutive_failures":0},
             "upstream":{"urls":[")" + failing.base_url() + R"("]}}])",
        "/writes");
  size_t before = failing.request_count();
  EXPECT_EQ(http_request("POST", server.url("/writes"), "{}", {kJson}).status, 503);
  EXPECT_EQ(failing.request_count(), before + 1);
  EXPECT_EQ(get("/writes").status, 503);
  EXPECT_EQ(failing.request_count(), before + 4);  // a GET: 1 + 2 retries
}

TEST_F(GatewayE2E, ABadRouteChangeIsRefusedNamingTheFieldAndOldRoutesServe) {
  HttpStandin orders;
  route(R"([{"name":"orders","match":{"path_prefix":"/orders"},"upstream":{"urls":[")" + orders.base_url() + R"("]}}])",
        "/orders");
  auto bad = set_routes(R"([{"name":"orders","match":{"path_prefix":"orders"},"upstream":{"service":"orders"}}])");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.headers["content-type"], "application/problem+json");
  EXPECT_NE(bad.body.find("/0/match/path_prefix"), std::string::npos) << bad.body;
  auto reserved = set_routes(R"([{"name":"x","match":{"path_prefix":"/v1/x"},"upstream":{"service":"x"}}])");
  EXPECT_EQ(reserved.status, 400);
  EXPECT_NE(reserved.body.find("reserved"), std::string::npos) << reserved.body;
  auto overlap = set_routes(R"([{"name":"a","match":{"path_prefix":"/a"},"upstream":{"service":"x"}},
                                {"name":"b","match":{"path_prefix":"/a"},"upstream":{"service":"x"}}])");
  EXPECT_EQ(overlap.status, 400);
  EXPECT_NE(overlap.body.find("/1/match/path_prefix"), std::string::npos) << overlap.body;
  EXPECT_EQ(get("/orders/1").status, 200);
  // A registry service with no instances is allowed, and answers 503.
  route(R"([{"name":"svc","match":{"path_prefix":"/svc"},"upstream":{"service":"nobody"}}])", "/svc");
  auto none = get("/svc");
  EXPECT_EQ(none.status, 503);
  EXPECT_NE(none.body.find("service nobody"), std::string::npos) << none.body;
}

TEST_F(GatewayE2E, RegistryServicesRouteToHealthyInstances) {
  HttpStandin instance;
  instance.set_default({200, {}, "from-registry"});
  auto reg = admin("PUT", "/v1/services/catalog/instances/c1",
                   R"({"address":"127.0.0.1","port":)" + std::to_string(instance.port()) +
                       R"(,"check":{"ttl_ms":60000}})");
  ASSERT_EQ(reg.status / 100, 2) << reg.body;
  route(R"([{"name":"catalog","match":{"path_prefix":"/catalog"},"upstream":{"service":"catalog"}}])", "/catalog");
  ASSERT_TRUE(eventually([&] { return get("/catalog/1").body == "from-registry"; }));
  ASSERT_EQ(admin("DELETE", "/v1/services/catalog/instances/c1").status / 100, 2);
  EXPECT_TRUE(eventually([&] { return get("/catalog/1").status == 503; }));
}

}  // namespace
}  // namespace sb::test
