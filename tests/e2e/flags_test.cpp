// Feature flags over HTTP against the built binary: the admin API's
// contract and its refusals (nothing stored on a refusal), environments,
// archive/revive, segments, SDK tokens and their scopes, the Unleash client
// and frontend APIs (ETag / 304), import served back as given, and the
// audit events. The official Node SDK's parity check is
// flags_sdk_test.cpp.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "curl_client.h"
#include "eventually.h"
#include "server_process.h"
#include "test_databases.h"

namespace sb::test {
namespace {

namespace bj = boost::json;
const std::string kJson = "Content-Type: application/json";

std::map<std::string, std::string> env() {
  return {{"SWITCHBOARD_HTTP__ACCESS_LOG", "false"},
          {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_OPS", "1"},
          {"SWITCHBOARD_IDENTITY__PASSWORD__ARGON2_MEM_KIB", "64"}};
}

class Flags : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(s.start()) << s.output(); }

  HttpResult call(const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(method, s.url(path), body, {s.auth_header(), kJson});
  }
  bj::value json_of(const HttpResult& r) { return bj::parse(r.body.empty() ? "null" : r.body); }
  // The first error's field of a problem+json answer.
  std::string field_of(const HttpResult& r) {
    EXPECT_EQ(r.headers.at("content-type"), "application/problem+json") << r.body;
    return std::string(json_of(r).at("errors").at(0).at("field").as_string());
  }
  // {"flag": {"enabled", "variant"}} for one context.
  bj::object evaluate(const std::string& context, const std::string& env_name = "production") {
    auto r = call("POST", "/v1/flags/evaluate?environment=" + env_name, R"({"context":)" + context + "}");
    EXPECT_EQ(r.status, 200) << r.body;
    return json_of(r).at("results").as_object();
  }
  bool enabled(const std::string& flag, const std::string& context, const std::string& env_name = "production") {
    auto results = evaluate(context, env_name);
    auto* f = results.if_contains(flag);
    return f && f->at("enabled").as_bool();
  }
  std::string token(const std::string& type, const std::string& env_name) {
    auto r = call("POST", "/v1/flags/tokens", R"({"type":")" + type + R"(","environment":")" + env_name + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(json_of(r).at("secret").as_string());
  }

  ServerProcess s{env()};
};

TEST_F(Flags, EasyFormRolloutAndUnknownFlags) {
  auto put = call("PUT", "/v1/flags/new-checkout", R"({"enabled":true,"users":["alice"],"rollout":0})");
  ASSERT_EQ(put.status, 200) << put.body;
  auto f = json_of(put);
  EXPECT_EQ(f.at("strategies").at(0).at("name").as_string(), "userWithId");
  EXPECT_TRUE(f.at("environments").at("production").at("enabled").as_bool());
  EXPECT_FALSE(f.at("environments").at("development").at("enabled").as_bool()) << "created disabled elsewhere";

  auto r = call("POST", "/v1/flags/evaluate", R"({"context":{"userId":"alice"},"flags":["new-checkout","nope"]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto results = json_of(r).at("results");
  EXPECT_TRUE(results.at("new-checkout").at("enabled").as_bool());
  EXPECT_FALSE(results.at("nope").at("enabled").as_bool());
  EXPECT_EQ(results.at("nope").at("variant").at("name").as_string(), "disabled");
  EXPECT_FALSE(enabled("new-checkout", R"({"userId":"bob"})"));

  ASSERT_EQ(call("PUT", "/v1/flags/new-checkout", R"({"enabled":true,"rollout":100})").status, 200);
  EXPECT_TRUE(enabled("new-checkout", R"({"userId":"bob"})")) << "a change is evaluated at once";
}

TEST_F(Flags, RefusalsNameTheFieldAndStoreNothing) {
  auto bad_op = call("PUT", "/v1/flags/bad", R"({"enabled":true,"strategies":[{"name":"default",
      "constraints":[{"contextName":"userId","operator":"SOUNDS_LIKE","values":["x"]}]}]})");
  EXPECT_EQ(bad_op.status, 400);
  EXPECT_EQ(field_of(bad_op), "/strategies/0/constraints/0/operator");
  EXPECT_EQ(call("GET", "/v1/flags/bad").status, 404) << "a refused flag is not stored";

  ASSERT_EQ(call("PUT", "/v1/flags/app", R"({"enabled":true})").status, 200);
  auto bad_semver = call("PUT", "/v1/flags/app", R"({"enabled":false,"strategies":[{"name":"default",
      "constraints":[{"contextName":"version","operator":"SEMVER_GT","value":"one.two"}]}]})");
  EXPECT_EQ(bad_semver.status, 400);
  EXPECT_EQ(field_of(bad_semver).rfind("/strategies/0/constraints/0", 0), 0u) << bad_semver.body;
  auto kept = json_of(call("GET", "/v1/flags/app"));
  EXPECT_TRUE(kept.at("enabled").as_bool()) << "the stored flag is unchanged";
  EXPECT_TRUE(kept.at("strategies").as_array().empty());

  auto bad_weights = call("PUT", "/v1/flags/colours", R"({"enabled":true,"variants":[
      {"name":"a","weight":700,"weightType":"fix","stickiness":"default"},
      {"name":"b","weight":600,"weightType":"fix","stickiness":"default"}]})");
  EXPECT_EQ(bad_weights.status, 400);
  EXPECT_EQ(field_of(bad_weights).rfind("/variants", 0), 0u) << bad_weights.body;

  // Variable weights left out are computed as the Unleash server does.
  auto computed = call("PUT", "/v1/flags/colours", R"({"enabled":true,"variants":[
      {"name":"a","weightType":"fix","weight":400},{"name":"b"},{"name":"c","weightType":"variable"}]})");
  ASSERT_EQ(computed.status, 200) << computed.body;
  auto weights = json_of(computed).at("variants");
  EXPECT_EQ(weights.at(1).at("weight").as_int64(), 300);
  EXPECT_EQ(weights.at(2).at("weight").as_int64(), 300);

  auto missing = call("PUT", "/v1/flags/child", R"({"enabled":true,"dependencies":[{"feature":"ghost"}]})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(field_of(missing).rfind("/dependencies/0", 0), 0u) << missing.body;

  ASSERT_EQ(call("PUT", "/v1/flags/parent", R"({"enabled":true})").status, 200);
  ASSERT_EQ(call("PUT", "/v1/flags/child", R"({"enabled":true,"dependencies":[{"feature":"parent"}]})").status, 200);
  auto cycle = call("PUT", "/v1/flags/parent", R"({"enabled":true,"dependencies":[{"feature":"child"}]})");
  EXPECT_EQ(cycle.status, 400) << cycle.body;
  EXPECT_EQ(call("DELETE", "/v1/flags/parent").status, 409) << "child depends on it";
  EXPECT_EQ(call("POST", "/v1/flags/parent/archive").status, 409);
  EXPECT_EQ(call("DELETE", "/v1/flags/child").status, 204);
  EXPECT_EQ(call("DELETE", "/v1/flags/parent").status, 204);

  EXPECT_EQ(field_of(call("PUT", "/v1/flags/segments", R"({"enabled":true})")), "name") << "reserved word";
  EXPECT_EQ(field_of(call("PUT", "/v1/flags/x?environment=staging", R"({})")), "environment");
  EXPECT_EQ(field_of(call("PUT", "/v1/flags/x", R"({"type":"sometimes"})")), "/type");
}

TEST_F(Flags, SegmentsEnvironmentsArchive) {
  auto seg = call("PUT", "/v1/flags/segments/7",
                  R"({"name":"beta","constraints":[{"contextName":"plan","operator":"IN","values":["pro"]}]})");
  ASSERT_EQ(seg.status, 200) << seg.body;
  ASSERT_EQ(call("PUT", "/v1/flags/beta-ui",
                 R"({"enabled":true,"strategies":[{"name":"default","segments":[7],"constraints":[]}]})")
                .status,
            200);
  EXPECT_TRUE(enabled("beta-ui", R"({"userId":"u1","properties":{"plan":"pro"}})"));
  EXPECT_FALSE(enabled("beta-ui", R"({"userId":"u1","properties":{"plan":"free"}})"));
  EXPECT_EQ(call("DELETE", "/v1/flags/segments/7").status, 409) << "in use";
  auto bad_seg = call("PUT", "/v1/flags/segments/8",
                      R"({"name":"x","constraints":[{"contextName":"n","operator":"NUM_GT","value":"many"}]})");
  EXPECT_EQ(bad_seg.status, 400);
  EXPECT_EQ(field_of(bad_seg).rfind("/constraints/0", 0), 0u) << bad_seg.body;
  auto segs = json_of(call("GET", "/v1/flags/segments")).at("segments").as_array();
  ASSERT_EQ(segs.size(), 1u);
  EXPECT_EQ(segs[0].at("used_by").at(0).as_string(), "beta-ui");

  ASSERT_EQ(call("PUT", "/v1/flags/dev-only?environment=development", R"({"enabled":true})").status, 200);
  EXPECT_TRUE(enabled("dev-only", "{}", "development"));
  EXPECT_FALSE(enabled("dev-only", "{}", "production"));
  ASSERT_EQ(call("POST", "/v1/flags/dev-only/environments/production/on").status, 200);
  EXPECT_TRUE(enabled("dev-only", "{}", "production"));

  ASSERT_EQ(call("POST", "/v1/flags/dev-only/archive").status, 200);
  EXPECT_FALSE(enabled("dev-only", "{}", "production")) << "archived flags are not evaluated";
  EXPECT_EQ(call("PUT", "/v1/flags/dev-only", R"({"enabled":true})").status, 409);
  auto archived = json_of(call("GET", "/v1/flags?archived=true")).at("flags").as_array();
  ASSERT_EQ(archived.size(), 1u);
  EXPECT_EQ(archived[0].at("name").as_string(), "dev-only");
  auto revived = call("POST", "/v1/flags/dev-only/revive");
  ASSERT_EQ(revived.status, 200) << revived.body;
  EXPECT_FALSE(json_of(revived).at("enabled").as_bool()) << "revived disabled, as Unleash does";
}

TEST_F(Flags, SdkTokensScopesAndClientApi) {
  ASSERT_EQ(call("PUT", "/v1/flags/new-checkout", R"({"enabled":true,"users":["alice"]})").status, 200);
  std::string client = token("client", "production");
  std::string frontend = token("frontend", "production");
  EXPECT_EQ(client.rfind("*:production.", 0), 0u) << client;

  auto features = http_request("GET", s.url("/api/client/features"), "", {"Authorization: " + client});
  ASSERT_EQ(features.status, 200) << features.body;
  auto doc = json_of(features);
  EXPECT_EQ(doc.at("version").as_int64(), 2);
  EXPECT_EQ(doc.at("features").at(0).at("name").as_string(), "new-checkout");
  std::string etag = features.headers["etag"];
  ASSERT_FALSE(etag.empty());
  auto same = http_request("GET", s.url("/api/client/features"), "",
                           {"Authorization: " + client, "If-None-Match: " + etag});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  ASSERT_EQ(call("PUT", "/v1/flags/other", R"({"enabled":true})").status, 200);
  auto changed = http_request("GET", s.url("/api/client/features"), "",
                              {"Authorization: " + client, "If-None-Match: " + etag});
  EXPECT_EQ(changed.status, 200) << "a change ends the 304s";
  auto filtered = http_request("GET", s.url("/api/client/features?namePrefix=new-"), "", {"Authorization: " + client});
  EXPECT_EQ(json_of(filtered).at("features").as_array().size(), 1u);

  EXPECT_EQ(http_request("GET", s.url("/api/client/features"), "", {}).status, 401);
  EXPECT_EQ(http_request("GET", s.url("/api/client/features"), "", {"Authorization: *:production.nope"}).status, 401);
  EXPECT_EQ(http_request("GET", s.url("/api/client/features?environment=development"), "",
                         {"Authorization: " + client}).status, 403)
      << "a token cannot read another environment";
  EXPECT_EQ(http_request("GET", s.url("/api/client/features"), "", {"Authorization: " + frontend}).status, 403);
  EXPECT_EQ(http_request("GET", s.url("/v1/flags"), "", {"Authorization: Bearer " + client}).status, 401)
      << "SDK tokens are not admin credentials";

  auto front = http_request("GET", s.url("/api/frontend?userId=alice"), "", {"Authorization: " + frontend});
  ASSERT_EQ(front.status, 200) << front.body;
  bool listed = false;
  auto front_doc = json_of(front);  // range-for over a temporary's member would dangle
  for (const auto& t : front_doc.at("toggles").as_array()) listed |= t.at("name").as_string() == "new-checkout";
  EXPECT_TRUE(listed);
  // Browser SDKs: CORS preflight, the allowed origin, and 304 on an unchanged answer.
  auto preflight = http_request("OPTIONS", s.url("/api/frontend"), "",
                                {"Origin: https://app.example.com", "Access-Control-Request-Method: GET",
                                 "Access-Control-Request-Headers: authorization"});
  EXPECT_EQ(preflight.status, 204) << preflight.body;
  EXPECT_EQ(preflight.headers["access-control-allow-origin"], "*");
  EXPECT_NE(preflight.headers["access-control-allow-headers"].find("Authorization"), std::string::npos);
  auto cors = http_request("GET", s.url("/api/frontend?userId=alice"), "",
                           {"Authorization: " + frontend, "Origin: https://app.example.com"});
  EXPECT_EQ(cors.headers["access-control-allow-origin"], "*");
  auto unchanged = http_request("GET", s.url("/api/frontend?userId=alice"), "",
                                {"Authorization: " + frontend, "If-None-Match: " + cors.headers["etag"]});
  EXPECT_EQ(unchanged.status, 304);
  auto bob = http_request("GET", s.url("/api/frontend?userId=bob"), "", {"Authorization: " + frontend});
  auto bob_doc = json_of(bob);
  for (const auto& t : bob_doc.at("toggles").as_array()) EXPECT_NE(t.at("name").as_string(), "new-checkout");

  // Revoked: refused at once.
  auto tokens = json_of(call("GET", "/v1/flags/tokens")).at("tokens").as_array();
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_FALSE(tokens[0].as_object().contains("secret")) << "the secret is shown once";
  ASSERT_EQ(call("DELETE", "/v1/flags/tokens/" + std::string(tokens[0].at("id").as_string())).status, 204);
  EXPECT_EQ(http_request("GET", s.url("/api/client/features"), "", {"Authorization: " + client}).status, 401);
}

TEST_F(Flags, ImportIsServedBackAndChangesAreAudited) {
  const std::string feature = R"({"name":"imp-a","type":"experiment","description":"d","project":"default",
      "enabled":true,"impressionData":false,"stale":false,
      "strategies":[{"name":"flexibleRollout","parameters":{"rollout":"50","stickiness":"userId","groupId":"imp-a"},
        "constraints":[{"contextName":"appName","operator":"IN","values":["web"],"inverted":false,"caseInsensitive":false}],
        "segments":[3]}],
      "variants":[{"name":"blue","weight":1000,"weightType":"variable","stickiness":"default",
        "payload":{"type":"string","value":"b"},"overrides":[]}]})";
  const std::string segment = R"({"id":3,"name":"web","constraints":[{"contextName":"userId","operator":"NOT_IN","values":["x"],"inverted":false,"caseInsensitive":false}]})";
  auto imported = call("POST", "/v1/flags/import?environment=development",
                       R"({"version":2,"features":[)" + feature + R"(],"segments":[)" + segment + "]}");
  ASSERT_EQ(imported.status, 200) << imported.body;

  std::string client = token("client", "development");
  auto doc = json_of(http_request("GET", s.url("/api/client/features"), "", {"Authorization: " + client}));
  ASSERT_EQ(doc.at("features").as_array().size(), 1u);
  EXPECT_EQ(doc.at("features").at(0), bj::parse(feature)) << "what is imported is what is served back";
  EXPECT_EQ(doc.at("segments").at(0), bj::parse(segment));

  auto bad = call("POST", "/v1/flags/import", R"({"features":[{"name":"ok","enabled":true},
      {"name":"bad","enabled":true,"strategies":[{"name":"remoteAddress","parameters":{"IPs":"10.0.0.0/99"}}]}]})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(field_of(bad).rfind("/features/1/strategies/0", 0), 0u) << bad.body;
  EXPECT_EQ(call("GET", "/v1/flags/ok").status, 404) << "an import is all or nothing";

  ASSERT_EQ(call("POST", "/v1/flags/imp-a/environments/production/on").status, 200);
  auto events = json_of(call("GET", "/v1/events?type=flag.updated&subject=imp-a")).at("events").as_array();
  ASSERT_EQ(events.size(), 2u);
  auto data = events[1].at("data");
  EXPECT_EQ(data.at("change").as_string(), "enabled");
  EXPECT_FALSE(data.at("before").at("environments").at("production").at("enabled").as_bool());
  EXPECT_TRUE(data.at("after").at("environments").at("production").at("enabled").as_bool());
}

// Two instances on one PostgreSQL: a change made through one is evaluated
// by the other (it follows the log), and an SDK token created on one is
// accepted by the other. Bounded by a deadline, not timed: the figure for
// how fast is bench/flags_http.sh's.
TEST(FlagsCluster, AChangeOnOneInstanceReachesTheOther) {
  auto db = open_test_db(store::Engine::kPostgres);
  auto e = env();
  e["SWITCHBOARD_ADMIN_KEY"] = "sbk_flags_cluster_0123456789abcdef";
  e["SWITCHBOARD_IDENTITY__MASTER_KEY"] = "ZmxhZ3MtY2x1c3Rlci1tYXN0ZXIta2V5LTMyLWJ5dGU=";  // one for both
  ServerProcess a(e, {"--database", db.url()}), b(e, {"--database", db.url()});
  ASSERT_TRUE(a.start()) << a.output();
  ASSERT_TRUE(b.start()) << b.output();
  auto on_b = [&](const std::string& ctx) {
    auto r = http_request("POST", b.url("/v1/flags/evaluate"), R"({"context":)" + ctx + R"(,"flags":["f"]})",
                          {b.auth_header(), kJson});
    return r.status == 200 && bj::parse(r.body).at("results").at("f").at("enabled").as_bool();
  };
  EXPECT_FALSE(on_b("{}"));
  auto put = http_request("PUT", a.url("/v1/flags/f"), R"({"enabled":true,"users":["alice"]})", {a.auth_header(), kJson});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_TRUE(eventually([&] { return on_b(R"({"userId":"alice"})"); })) << b.output();
  EXPECT_FALSE(on_b(R"({"userId":"bob"})"));
  ASSERT_EQ(http_request("POST", a.url("/v1/flags/f/environments/production/off"), "", {a.auth_header()}).status, 200);
  EXPECT_TRUE(eventually([&] { return !on_b(R"({"userId":"alice"})"); }));

  auto token = http_request("POST", a.url("/v1/flags/tokens"), R"({"type":"client"})", {a.auth_header(), kJson});
  ASSERT_EQ(token.status, 201) << token.body;
  std::string secret(bj::parse(token.body).at("secret").as_string());
  EXPECT_TRUE(eventually([&] {
    return http_request("GET", b.url("/api/client/features"), "", {"Authorization: " + secret}).status == 200;
  }));
}

}  // namespace
}  // namespace sb::test
