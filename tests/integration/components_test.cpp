// A module added from outside the tree, the way a new module is added: one
// component (its config key, permission, event type and route table) and
// one line in the component list (here AppOptions::extra_components, so this
// file is the whole diff). Also: a route naming a permission or rate-limit
// group nobody declares stops the start, and a throwing handler behind the
// real server is a 500 problem+json while the server goes on serving.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <future>
#include <set>
#include <thread>

#include "api/component.h"
#include "app/app.h"
#include "config/config.h"
#include "http/pipeline.h"
#include "access/access_control.h"
#include "events/event.h"
#include "events/event_log.h"
#include "http/server.h"
#include "identity/auth_service.h"
#include "identity/api_keys.h"
#include "support/curl_client.h"
#include "support/temp_dir.h"

namespace sb {
namespace {

// ---- the example module: everything it needs is in this block.
inline constexpr events::EventType kGreetingSent{"/switchboard/greeting", "greeting.sent", "A greeting was sent"};
inline const config::Key<std::string> kGreetingText{"greeting.text", "hello", "What GET /v1/greeting answers",
                                                    config::hot};

struct GreetingDeps {
  config::ConfigService* config = nullptr;
};

http::Response greet(const GreetingDeps& d, http::Request&) {
  return http::Response::json(200, "{\"greeting\":" + boost::json::serialize(boost::json::value(d.config->get(kGreetingText))) + "}");
}

http::Response explode(const GreetingDeps&, http::Request&) { throw std::logic_error("greeting module bug"); }

class GreetingComponent final : public api::Component {
 public:
  // What a route names; a test breaks one of them on purpose.
  std::string permission = "greetings:read";
  std::string rate_group;
  std::shared_ptr<const http::Steps> steps;  // the table's own, when set

  explicit GreetingComponent(api::Kernel& kernel) : Component("greeting"), kernel_(kernel) {}
  void declare(api::Declarations& d) override {
    d.config.declare(kGreetingText);
    d.permission("greetings:read", "Read the greeting");
    d.event_type(kGreetingSent);
  }
  Status init() override {
    deps_ = {&kernel_.config};
    return {};
  }
  void routes(std::vector<http::Route>& out) override {
    api::RouteTable t(out, deps_);
    http::Route r{"GET", "/v1/greeting", t.pool(greet), http::Access::kPermission, permission, rate_group};
    r.steps = steps;
    t.add(std::move(r));
    t.add({"GET", "/v1/greeting/boom", t.pool(explode), http::Access::kPublic});
  }

 private:
  api::Kernel& kernel_;
  GreetingDeps deps_;
};
// ---- end of the example module.

struct ComponentsTest : ::testing::Test {
  test::TempDir dir;
  std::vector<std::string> env_text{"SWITCHBOARD_GREETING__TEXT=bonjour", "SWITCHBOARD_HTTP__ACCESS_LOG=false"};
  std::vector<char*> env;

  std::unique_ptr<app::App> make_app(std::function<void(GreetingComponent&)> tweak = {}) {
    app::AppOptions o;
    o.data_dir = dir.path();
    o.database = "sqlite:" + dir.file("sb.db");
    o.extra_components.push_back([tweak](api::Kernel& k) {
      auto c = std::make_unique<GreetingComponent>(k);
      if (tweak) tweak(*c);
      return c;
    });
    env.clear();
    for (auto& e : env_text) env.push_back(e.data());
    env.push_back(nullptr);
    return std::make_unique<app::App>(std::move(o), env.data());
  }

  static http::Response call(http::Pipeline& p, http::Request& req) {
    std::promise<http::Response> answer;
    p.handle(req, [&](http::Response r) { answer.set_value(std::move(r)); });
    return answer.get_future().get();
  }
};

TEST_F(ComponentsTest, AModuleFromOutsideTheTreeServesItsRouteReadsItsKeyAndIsGuardedByItsPermission) {
  auto app = make_app();
  ASSERT_TRUE(static_cast<bool>(app->init()));
  auto key = app->api_keys().create("test");
  ASSERT_TRUE(key.ok());

  http::Request anonymous;
  anonymous.method = "GET";
  anonymous.path = "/v1/greeting";
  EXPECT_EQ(call(app->pipeline(), anonymous).status, 401);

  http::Request signed_in = anonymous;
  signed_in.headers.emplace_back("authorization", "Bearer " + key->key);
  http::Response r = call(app->pipeline(), signed_in);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"greeting":"bonjour"})");  // the key is declared, so the environment may set it
}

TEST_F(ComponentsTest, ARouteNamingAnUndeclaredPermissionStopsTheStartNamingTheRoute) {
  auto app = make_app([](GreetingComponent& c) { c.permission = "greetings:raed"; });
  Status s = app->init();
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("GET /v1/greeting"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("greetings:raed"), std::string::npos) << s.message();
}

TEST_F(ComponentsTest, ARouteNamingAnUnknownRateLimitGroupStopsTheStart) {
  // A typo here used to drop the route's brute-force limit without a word.
  auto app = make_app([](GreetingComponent& c) { c.rate_group = "auth.logn"; });
  Status s = app->init();
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("auth.logn"), std::string::npos) << s.message();
  auto fine = make_app([](GreetingComponent& c) { c.rate_group = "auth.login"; });
  EXPECT_TRUE(static_cast<bool>(fine->init()));
}

TEST_F(ComponentsTest, AGuardedRouteWhoseOwnStepsDoNotAuthenticateStopsTheStart) {
  auto app = make_app([](GreetingComponent& c) { c.steps = std::make_shared<const http::Steps>(); });
  Status s = app->init();
  ASSERT_FALSE(s);
  EXPECT_NE(s.message().find("GET /v1/greeting is guarded but its own steps do not authenticate"), std::string::npos)
      << s.message();
}

TEST_F(ComponentsTest, AThrowingHandlerBehindTheRealServerIsA500ProblemAndTheServerKeepsServing) {
  auto app = make_app();
  ASSERT_TRUE(static_cast<bool>(app->init()));
  http::ServerOptions so;
  so.port = 0;
  so.threads = 1;
  http::Server server(app->pipeline(), so);
  ASSERT_TRUE(static_cast<bool>(server.listen()));
  std::thread serving([&] { server.run(); });
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  auto boom = test::http_request("GET", base + "/v1/greeting/boom", "", {"X-Request-Id: boom-42"});
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.headers["content-type"], "application/problem+json");
  EXPECT_EQ(boom.headers["x-request-id"], "boom-42");
  EXPECT_EQ(boost::json::parse(boom.body).at("request_id"), "boom-42") << boom.body;
  EXPECT_EQ(boom.body.find("greeting module bug"), std::string::npos);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(test::http_request("GET", base + "/health").status, 200);

  server.stop();
  serving.join();
}

TEST_F(ComponentsTest, EveryEventTheModulesAppendHasOneEnvelopeShapeAndADeclaredType) {
  auto app = make_app();
  ASSERT_TRUE(static_cast<bool>(app->init()));
  ASSERT_TRUE(app->api_keys().create("ops").ok());
  ASSERT_TRUE(app->access().create_role({"editor", "Edits", {"posts:*"}}, "test").ok());
  ASSERT_TRUE(app->auth().create_user({"ada@example.com", "", "correct horse battery staple"}).ok());
  ASSERT_TRUE(static_cast<bool>(app->config().set("email.from", boost::json::value("ops@example.com"), "test")));
  std::set<std::string> declared;
  for (auto* t : app->declarations().event_types) declared.emplace(t->type);
  EXPECT_TRUE(declared.contains("greeting.sent"));  // the example module's own

  events::Query q;
  q.limit = 1000;
  auto stored = app->events().read(q);
  ASSERT_TRUE(stored.ok());
  std::set<std::string> seen;
  for (const auto& s : *stored) {
    auto e = events::parse_stored(s.sequence, s.envelope);
    ASSERT_TRUE(e.ok()) << s.envelope;
    seen.insert(e->type);
    EXPECT_TRUE(declared.contains(e->type)) << e->type << " is appended but no component declares it";
    EXPECT_TRUE(e->source.starts_with("/switchboard/")) << s.envelope;
    EXPECT_EQ(e->datacontenttype, "application/json") << s.envelope;
    EXPECT_GT(e->time_ms, 0) << s.envelope;
    EXPECT_EQ(e->data_json.front(), '{') << s.envelope;
  }
  for (const char* t : {"apikey.created", "role.created", "user.registered", "config.updated"})
    EXPECT_TRUE(seen.contains(t)) << t;
}

}  // namespace
}  // namespace sb
