// Router and pipeline without sockets: matching, 404/405, authentication,
// request ids, problem+json, and that async handlers can answer later.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>

#include "core/clock.h"
#include "core/json.h"
#include "core/metrics.h"
#include "http/pipeline.h"
#include "http/problem.h"
#include "http/router.h"

namespace sb::http {
namespace {

class FixedAuth : public Authenticator {
 public:
  Result<Principal> authenticate(const Request& req) override {
    if (req.header("authorization") == "Bearer good") return Principal{"admin-key:1", "", ""};
    if (req.header("authorization") == "Bearer reader") return Principal{"user:7", "7", "s1"};
    return Status::unauthenticated("bad key");
  }
  std::string last_permission;  // what the pipeline asked for last
  Status authorize(const Principal& who, const std::string& permission) override {
    last_permission = permission;
    if (who.name == "admin-key:1" || permission == "things:read" || permission == "things:read:mine.x") return {};
    return Status::permission_denied("missing permission " + permission);
  }
};

// Allows `budget` requests to the limited group, then refuses.
class CountingAdmission : public Admission {
 public:
  int budget = 2;
  Status admit(const Request&, const Route& route, std::vector<std::pair<std::string, std::string>>& headers) override {
    if (route.rate_group != "limited") return {};
    headers.emplace_back("RateLimit-Remaining", std::to_string(budget > 0 ? budget - 1 : 0));
    if (budget-- > 0) return {};
    headers.emplace_back("Retry-After", "7");
    return Status::exhausted("rate limit exceeded");
  }
};

struct Fixture : ::testing::Test {
  Router router;
  FixedAuth auth;
  CountingAdmission admission;
  metrics::Registry metrics;
  ManualClock clock;
  std::unique_ptr<Pipeline> pipeline;
  Respond deferred;

  void SetUp() override {
    router.add({"GET", "/health", sync([](Request&) { return Response::json(200, "{}"); }), Access::kPublic});
    router.add({"GET", "/v1/things/{id}", sync([](Request& r) {
                  return Response::json(200, "{\"id\":\"" + r.params["id"] + "\",\"who\":\"" + r.principal + "\"}");
                }), Access::kPermission, "things:read"});
    router.add({"POST", "/v1/things", [this](Request&, Respond d) { deferred = std::move(d); }, Access::kPermission, "things:write"});
    router.add({"GET", "/v1/me", sync([](Request& r) { return Response::json(200, "{\"user\":\"" + r.user_id + "\"}"); }),
                Access::kAuthenticated});
    router.add({"POST", "/v1/maybe", sync([](Request& r) { return Response::json(200, "{\"user\":\"" + r.user_id + "\"}"); }),
                Access::kOptional});
    router.add({"POST", "/v1/limited", sync([](Request&) { return Response::json(200, "{}"); }), Access::kPublic, "",
                "limited"});
    router.add({"GET", "/v1/boom", sync([](Request&) -> Response { throw std::runtime_error("bug"); }), Access::kPublic});
    pipeline = std::make_unique<Pipeline>(router, &auth, &metrics, clock, PipelineOptions{false}, &admission);
  }

  Response call(std::string method, std::string path, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request req;
    req.method = std::move(method);
    req.path = std::move(path);
    req.headers = std::move(headers);
    Response out;
    pipeline->handle(req, [&](Response r) { out = std::move(r); });
    return out;
  }
  static std::string header(const Response& r, const std::string& name) {
    for (auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }
};

TEST_F(Fixture, MatchesPathParamsAndRequiresAuthOnAdminRoutes) {
  EXPECT_EQ(call("GET", "/health").status, 200);
  Response unauth = call("GET", "/v1/things/42");
  EXPECT_EQ(unauth.status, 401);
  EXPECT_EQ(header(unauth, "Content-Type"), "application/problem+json");
  EXPECT_EQ(header(unauth, "WWW-Authenticate"), "Bearer");
  Response ok = call("GET", "/v1/things/a%20b", {{"authorization", "Bearer good"}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"id":"a b","who":"admin-key:1"})");
}

TEST_F(Fixture, PermissionRoutesAre403WithoutThePermissionAndAuthenticatedRoutesNeedOnlyACredential) {
  Response denied = call("POST", "/v1/things", {{"authorization", "Bearer reader"}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(header(denied, "Content-Type"), "application/problem+json");
  EXPECT_NE(denied.body.find("things:write"), std::string::npos);
  EXPECT_EQ(deferred, nullptr);  // the handler never ran
  EXPECT_EQ(call("GET", "/v1/things/1", {{"authorization", "Bearer reader"}}).status, 200);
  EXPECT_EQ(call("GET", "/v1/me").status, 401);
  Response me = call("GET", "/v1/me", {{"authorization", "Bearer reader"}});
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(me.body, R"({"user":"7"})");
}

TEST_F(Fixture, ARouteScopeNarrowsThePermissionPerRequest) {
  Router scoped;
  scoped.add({"GET", "/v1/scoped/{key}", sync([](Request&) { return Response::json(200, "{}"); }),
              Access::kPermission, "things:read", "", [](const Request& r) { return r.params.at("key"); }});
  Pipeline p(scoped, &auth, &metrics, clock, PipelineOptions{false});
  auto get = [&](const std::string& path) {
    Request req;
    req.method = "GET";
    req.path = path;
    req.headers = {{"authorization", "Bearer reader"}};
    Response out;
    p.handle(req, [&](Response r) { out = std::move(r); });
    return out;
  };
  EXPECT_EQ(get("/v1/scoped/mine.x").status, 200);
  EXPECT_EQ(auth.last_permission, "things:read:mine.x");
  Response denied = get("/v1/scoped/other.y");
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("things:read:other.y"), std::string::npos) << denied.body;
  // Routes without a scope ask for their permission as written.
  EXPECT_EQ(call("GET", "/v1/things/1", {{"authorization", "Bearer reader"}}).status, 200);
  EXPECT_EQ(auth.last_permission, "things:read");
}

TEST_F(Fixture, OptionalAuthRoutesServeAnonymousCallersButRefuseABadCredential) {
  Response anon = call("POST", "/v1/maybe");
  EXPECT_EQ(anon.status, 200);
  EXPECT_EQ(anon.body, R"({"user":""})");
  Response signed_in = call("POST", "/v1/maybe", {{"authorization", "Bearer reader"}});
  EXPECT_EQ(signed_in.body, R"({"user":"7"})");
  // A credential that does not verify is an error, not an anonymous call.
  EXPECT_EQ(call("POST", "/v1/maybe", {{"authorization", "Bearer forged"}}).status, 401);
}

TEST_F(Fixture, AdmissionAddsItsHeadersAndRejectsWith429) {
  Response first = call("POST", "/v1/limited");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(header(first, "RateLimit-Remaining"), "1");
  EXPECT_EQ(call("POST", "/v1/limited").status, 200);
  Response refused = call("POST", "/v1/limited");
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(header(refused, "Retry-After"), "7");  // the limiter's, not problem()'s default
  EXPECT_EQ(std::count_if(refused.headers.begin(), refused.headers.end(),
                          [](auto& h) { return h.first == "Retry-After"; }),
            1);
  EXPECT_EQ(header(refused, "Content-Type"), "application/problem+json");
  EXPECT_EQ(call("GET", "/health").status, 200);  // other groups unaffected
}

TEST(Problem, Every429CarriesRetryAfterInWholeSecondsAtLeastOne) {
  auto retry_after = [](const Response& r) {
    std::vector<std::string> v;
    for (auto& [k, val] : r.headers)
      if (k == "Retry-After") v.push_back(val);
    return v;
  };
  EXPECT_EQ(retry_after(problem(Status::exhausted("wait", 2'500))), std::vector<std::string>{"3"});  // rounded up
  EXPECT_EQ(retry_after(problem(Status::exhausted("wait", 1))), std::vector<std::string>{"1"});
  EXPECT_EQ(retry_after(problem(Status::exhausted("no idea when"))), std::vector<std::string>{"1"});
  EXPECT_EQ(retry_after(problem(429, "too-many", "Too many", "slow down")), std::vector<std::string>{"1"});
  EXPECT_TRUE(retry_after(problem(Status::unavailable("down"))).empty());
}

TEST(ClientIp, ForwardedForIsBelievedOnlyFromTrustedProxies) {
  const std::vector<std::string> proxies{"10.0.0.1", "10.0.0.2"};
  // Not from a proxy: the header is the client's own claim.
  EXPECT_EQ(client_ip("203.0.113.9", "1.2.3.4", proxies), "203.0.113.9");
  // From a proxy: the rightmost address it did not add itself.
  EXPECT_EQ(client_ip("10.0.0.1", "198.51.100.7", proxies), "198.51.100.7");
  EXPECT_EQ(client_ip("10.0.0.1", "1.2.3.4, 198.51.100.7, 10.0.0.2", proxies), "198.51.100.7");
  // A client cannot pick its address by prepending one: the forged entry is left of the real one.
  EXPECT_EQ(client_ip("10.0.0.1", "6.6.6.6,198.51.100.7", proxies), "198.51.100.7");
  EXPECT_EQ(client_ip("10.0.0.1", "", proxies), "10.0.0.1");
  EXPECT_EQ(client_ip("10.0.0.1", "10.0.0.2", proxies), "10.0.0.1");  // only proxies: the peer
  EXPECT_EQ(client_ip("10.0.0.1", "1.2.3.4", {}), "10.0.0.1");        // nothing trusted
}

TEST_F(Fixture, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  Response nf = call("GET", "/v1/nothing");
  EXPECT_EQ(nf.status, 404);
  Response na = call("DELETE", "/health");
  EXPECT_EQ(na.status, 405);
  EXPECT_EQ(header(na, "Allow"), "GET");
  EXPECT_EQ(call("HEAD", "/health").status, 200);  // HEAD served by GET
}

TEST_F(Fixture, RequestIdIsHonouredWhenSaneAndGeneratedOtherwise) {
  EXPECT_EQ(header(call("GET", "/health", {{"x-request-id", "abc-123"}}), "X-Request-Id"), "abc-123");
  std::string generated = header(call("GET", "/health", {{"x-request-id", "bad id\r\nx"}}), "X-Request-Id");
  EXPECT_EQ(generated.size(), 36u);
}

TEST_F(Fixture, AsyncHandlerRespondsLaterAndIsCounted) {
  Request req;
  req.method = "POST";
  req.path = "/v1/things";
  req.headers = {{"authorization", "Bearer good"}};
  std::optional<Response> out;
  pipeline->handle(req, [&](Response r) { out = std::move(r); });
  EXPECT_FALSE(out.has_value());
  ASSERT_TRUE(deferred);
  deferred(Response::json(201, "{}"));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->status, 201);
  EXPECT_EQ(req.route, "/v1/things");
  pipeline->finish(req, out->status, Pipeline::now_us());
  EXPECT_NE(metrics.render().find(R"(sb_http_requests_total{method="POST",route="/v1/things",status="201"} 1)"),
            std::string::npos);
}

TEST_F(Fixture, ThrowingHandlerBecomesA500WithoutLeakingDetails) {
  Response r = call("GET", "/v1/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("bug"), std::string::npos);
  EXPECT_FALSE(header(r, "X-Request-Id").empty());
}

TEST(AccessLogLine, IsOneValidJsonObjectPerRequestWithEscaping) {
  std::string s;
  json::append_quoted(s, "a\"b\\c\n\x01");
  EXPECT_EQ(s, R"("a\"b\\c\n\u0001")");
}

TEST(Problem, NamesEveryInvalidField) {
  Response r = problem(Status::invalid({{"/a", "is required"}, {"/b", "must be a string"}}), "rid");
  EXPECT_EQ(r.status, 400);
  auto v = boost::json::parse(r.body);
  EXPECT_EQ(v.at("status").as_int64(), 400);
  EXPECT_EQ(v.at("request_id").as_string(), "rid");
  EXPECT_EQ(v.at("errors").as_array().size(), 2u);
  EXPECT_EQ(v.at("errors").as_array()[1].at("field").as_string(), "/b");
  EXPECT_EQ(status_for(Code::kResourceExhausted), 429);
  EXPECT_EQ(status_for(Code::kConflict), 409);
}

TEST(Request, QueryParamsArePercentDecoded) {
  Request r;
  r.query = "type=user.%2A&subject=a+b&empty=&flag";
  EXPECT_EQ(r.query_param("type"), "user.*");
  EXPECT_EQ(r.query_param("subject"), "a b");
  EXPECT_EQ(r.query_param("empty"), "");
  EXPECT_EQ(r.query_param("flag"), "");
  EXPECT_FALSE(r.query_param("missing").has_value());
}

}  // namespace
}  // namespace sb::http
