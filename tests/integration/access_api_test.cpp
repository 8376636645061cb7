// The access HTTP adapters, called directly with their AccessDeps over a
// real SQLite database: status codes, bodies, Location, problem+json fields.
#include <gtest/gtest.h>

#include <algorithm>

#include <boost/json.hpp>

#include "access/access_control.h"
#include "api/access_api.h"
#include "core/clock.h"
#include "events/event_log.h"
#include "test_databases.h"

namespace sb::api {
namespace {

namespace bj = boost::json;

class AccessApiTest : public ::testing::Test {
 protected:
  AccessApiTest() : db(sb::test::open_test_db(store::Engine::kSqlite)), log(*db, clock), ac(*db, log, clock) {
    services.access = &ac;
  }

  http::Request request(std::string method, std::string body = "",
                        std::map<std::string, std::string> params = {}) {
    http::Request req;
    req.method = std::move(method);
    req.body = std::move(body);
    req.params = std::move(params);
    req.principal = "admin-key:k1";
    req.request_id = "req-1";
    if (!req.body.empty()) req.headers.emplace_back("content-type", "application/json");
    return req;
  }
  static bj::object body_of(const http::Response& r) { return bj::parse(r.body).as_object(); }
  // The first field a problem+json response names.
  static std::string problem_field(const http::Response& r) {
    auto o = body_of(r);
    if (!o.contains("errors") || o.at("errors").as_array().empty()) return "";
    return std::string(o.at("errors").as_array()[0].as_object().at("field").as_string());
  }
  static std::vector<std::string> strings(const bj::value& v) {
    std::vector<std::string> out;
    for (auto& s : v.as_array()) out.emplace_back(s.as_string());
    return out;
  }

  ManualClock clock;
  sb::test::TestDb db;
  events::EventLog log;
  access::AccessControl ac;
  AccessDeps services;
};

TEST_F(AccessApiTest, RoleLifecycle) {
  auto req = request("POST", R"({"name":"editor","description":"Edits","permissions":["posts:*"]})");
  auto created = create_role(services, req);
  ASSERT_EQ(created.status, 201) << created.body;
  auto loc = std::find_if(created.headers.begin(), created.headers.end(),
                          [](auto& h) { return h.first == "Location"; });
  ASSERT_NE(loc, created.headers.end());
  EXPECT_EQ(loc->second, "/v1/roles/editor");
  EXPECT_EQ(body_of(created).at("permissions").as_array().size(), 1u);
  EXPECT_FALSE(body_of(created).at("builtin").as_bool());

  auto dup = create_role(services, req);
  EXPECT_EQ(dup.status, 409) << dup.body;

  auto list_req = request("GET");
  auto list = list_roles(services, list_req);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(body_of(list).at("roles").as_array().size(), 3u);

  auto get_req = request("GET", "", {{"name", "editor"}});
  auto got = get_role(services, get_req);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(body_of(got).at("description").as_string(), "Edits");
  auto missing_req = request("GET", "", {{"name", "ghost"}});
  EXPECT_EQ(get_role(services, missing_req).status, 404);

  auto put_req = request("PUT", R"({"permissions":["posts:read"]})", {{"name", "editor"}});
  auto put = put_role(services, put_req);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(strings(body_of(put).at("permissions")), std::vector<std::string>{"posts:read"});
  auto rename_req = request("PUT", R"({"name":"other"})", {{"name", "editor"}});
  auto rename = put_role(services, rename_req);
  EXPECT_EQ(rename.status, 400);
  EXPECT_EQ(problem_field(rename), "/name");

  auto del_req = request("DELETE", "", {{"name", "editor"}});
  EXPECT_EQ(delete_role(services, del_req).status, 204);
  EXPECT_EQ(delete_role(services, del_req).status, 404);
  auto del_admin = request("DELETE", "", {{"name", "admin"}});
  EXPECT_EQ(delete_role(services, del_admin).status, 409);
}

TEST_F(AccessApiTest, BadRoleInputNamesTheField) {
  struct Case {
    const char* body;
    const char* field;
  } cases[] = {
      {R"({"permissions":[]})", "/name"},
      {R"({"name":"Bad Name"})", "/name"},
      {R"({"name":"ok","permissions":"posts:read"})", "/permissions"},
      {R"({"name":"ok","permissions":["posts:read", 7]})", "/permissions/1"},
      {R"({"name":"ok","permissions":["posts:read","Posts"]})", "/permissions/1"},
      {R"({"name":"ok","description":5})", "/description"},
      {R"([1,2])", "body"},
  };
  for (auto& c : cases) {
    auto req = request("POST", c.body);
    auto resp = create_role(services, req);
    EXPECT_EQ(resp.status, 400) << c.body;
    EXPECT_EQ(problem_field(resp), c.field) << c.body << " -> " << resp.body;
    auto ct = std::find_if(resp.headers.begin(), resp.headers.end(),
                           [](auto& h) { return h.first == "Content-Type" || h.first == "content-type"; });
    if (ct != resp.headers.end()) {
      EXPECT_NE(ct->second.find("problem+json"), std::string::npos);
    }
  }
  auto no_ct = request("POST", R"({"name":"x"})");
  no_ct.headers.clear();
  EXPECT_EQ(create_role(services, no_ct).status, 400);
  auto bad_path = request("PUT", R"({"permissions":[]})", {{"name", "NOPE"}});
  auto resp = put_role(services, bad_path);
  EXPECT_EQ(resp.status, 400);
  EXPECT_EQ(problem_field(resp), "name");
}

TEST_F(AccessApiTest, UserGrantsAndChecks) {
  ASSERT_TRUE(ac.create_role(access::Role{"support", "", {"tickets:*"}}, "t").ok());
  auto grant = request("PUT", "", {{"id", "u1"}, {"role", "support"}});
  auto granted = grant_user_role(services, grant);
  ASSERT_EQ(granted.status, 200) << granted.body;
  EXPECT_EQ(strings(body_of(granted).at("roles")), std::vector<std::string>{"support"});
  auto ghost = request("PUT", "", {{"id", "u1"}, {"role", "ghost"}});
  EXPECT_EQ(grant_user_role(services, ghost).status, 404);

  auto deny = request("PUT", R"({"effect":"deny"})", {{"id", "u1"}, {"permission", "tickets:delete"}});
  auto denied = grant_user_permission(services, deny);
  ASSERT_EQ(denied.status, 200) << denied.body;
  EXPECT_EQ(strings(body_of(denied).at("deny")), std::vector<std::string>{"tickets:delete"});
  auto allow = request("PUT", "", {{"id", "u1"}, {"permission", "users:read"}});
  ASSERT_EQ(grant_user_permission(services, allow).status, 200);
  auto deny2 = request("PUT", R"({"deny":true})", {{"id", "u1"}, {"permission", "billing:*"}});
  ASSERT_EQ(grant_user_permission(services, deny2).status, 200);

  auto view_req = request("GET", "", {{"id", "u1"}});
  auto view = get_user_permissions(services, view_req);
  ASSERT_EQ(view.status, 200);
  auto v = body_of(view);
  EXPECT_EQ(v.at("user").as_string(), "u1");
  EXPECT_EQ(strings(v.at("roles")), std::vector<std::string>{"support"});
  EXPECT_EQ(strings(v.at("allow")), (std::vector<std::string>{"tickets:*", "users:read"}));
  EXPECT_EQ(strings(v.at("deny")), (std::vector<std::string>{"billing:*", "tickets:delete"}));

  auto check = [&](const std::string& perm) {
    auto req = request("POST", R"({"user":"u1","permission":")" + perm + "\"}");
    auto resp = check_access(services, req);
    EXPECT_EQ(resp.status, 200) << resp.body;
    return body_of(resp).at("allowed").as_bool();
  };
  EXPECT_TRUE(check("tickets:close"));
  EXPECT_FALSE(check("tickets:delete"));
  EXPECT_FALSE(check("billing:read"));
  EXPECT_TRUE(check("users:read"));

  // A revoke answers like a grant: 200 with what the user holds now (docs/openapi.yaml).
  auto revoke = request("DELETE", "", {{"id", "u1"}, {"permission", "tickets:delete"}});
  auto revoked = revoke_user_permission(services, revoke);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  auto after_perm = body_of(revoked);
  EXPECT_EQ(after_perm.at("user").as_string(), "u1");
  EXPECT_EQ(strings(after_perm.at("roles")), std::vector<std::string>{"support"});
  EXPECT_EQ(strings(after_perm.at("deny")), std::vector<std::string>{"billing:*"});
  EXPECT_EQ(revoke_user_permission(services, revoke).status, 404);
  EXPECT_TRUE(check("tickets:delete"));
  auto revoke_role = request("DELETE", "", {{"id", "u1"}, {"role", "support"}});
  auto role_gone = revoke_user_role(services, revoke_role);
  ASSERT_EQ(role_gone.status, 200) << role_gone.body;
  auto after_role = body_of(role_gone);
  EXPECT_TRUE(after_role.at("roles").as_array().empty());
  EXPECT_EQ(after_role, body_of(get_user_permissions(services, view_req)));  // the same shape as GET
  EXPECT_EQ(revoke_user_role(services, revoke_role).status, 404);
  EXPECT_FALSE(check("tickets:close"));

  // The principal is recorded as the actor.
  events::Query q;
  q.type_pattern = "role.granted";
  auto evs = log.read(q);
  ASSERT_TRUE(evs.ok());
  ASSERT_EQ(evs->size(), 1u);
  EXPECT_NE(evs->front().envelope.find("admin-key:k1"), std::string::npos);
}

TEST_F(AccessApiTest, BadGrantAndCheckInputNamesTheField) {
  auto bad_effect = request("PUT", R"({"effect":"maybe"})", {{"id", "u1"}, {"permission", "a:b"}});
  auto r1 = grant_user_permission(services, bad_effect);
  EXPECT_EQ(r1.status, 400);
  EXPECT_EQ(problem_field(r1), "/effect");
  auto contradiction = request("PUT", R"({"effect":"allow","deny":true})", {{"id", "u1"}, {"permission", "a:b"}});
  auto r2 = grant_user_permission(services, contradiction);
  EXPECT_EQ(r2.status, 400);
  EXPECT_EQ(problem_field(r2), "/deny");
  auto bad_perm = request("PUT", "", {{"id", "u1"}, {"permission", "A:B"}});
  auto r3 = grant_user_permission(services, bad_perm);
  EXPECT_EQ(r3.status, 400);
  EXPECT_EQ(problem_field(r3), "permission");

  auto missing = request("POST", R"({"user":"u1"})");
  auto r4 = check_access(services, missing);
  EXPECT_EQ(r4.status, 400);
  EXPECT_EQ(problem_field(r4), "/permission");
  auto malformed = request("POST", R"({"user":"u1","permission":"nope"})");
  auto r5 = check_access(services, malformed);
  EXPECT_EQ(r5.status, 400);
  EXPECT_EQ(problem_field(r5), "/permission");
  auto not_json = request("POST", "{");
  EXPECT_EQ(check_access(services, not_json).status, 400);
}

}  // namespace
}  // namespace sb::api
