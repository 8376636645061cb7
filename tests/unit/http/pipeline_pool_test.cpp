// The pipeline's execution model: Run::kBlocking routes and credential
// cache misses continue on the blocking pool, a full pool queue is a 503
// with Retry-After, and a throw on any thread is a 500 problem+json with the
// request id, a log line, and a pool that keeps serving.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <future>
#include <sstream>
#include <thread>

#include "core/clock.h"
#include "core/metrics.h"
#include "core/thread_pool.h"
#include "http/pipeline.h"
#include "http/router.h"

namespace sb::http {
namespace {

// Answers from "memory" only for the key "cached"; anything else needs the
// slow path, which records the thread it ran on.
class SplitAuth : public Authenticator {
 public:
  std::thread::id slow_thread;
  std::optional<Result<Principal>> authenticate_cached(const Request& req) override {
    if (req.header("authorization") == "Bearer cached") return Result<Principal>(Principal{"admin-key:c", "", ""});
    return std::nullopt;
  }
  Result<Principal> authenticate(const Request& req) override {
    slow_thread = std::this_thread::get_id();
    if (req.header("authorization") == "Bearer stored") return Principal{"admin-key:s", "", ""};
    return Status::unauthenticated("bad key");
  }
  std::optional<Status> authorize_cached(const Principal&, const std::string&) override { return Status(); }
  Status authorize(const Principal&, const std::string&) override { return {}; }
};

struct PoolFixture : ::testing::Test {
  Router router;
  SplitAuth auth;
  metrics::Registry metrics;
  ManualClock clock;
  ThreadPool pool{1, "test-pool", 1};  // one thread, one waiting task
  std::unique_ptr<Pipeline> pipeline;
  std::promise<void> started, release;
  std::shared_future<void> released = release.get_future().share();
  std::thread::id handler_thread;

  void SetUp() override {
    router.add({"GET", "/io", sync([this](Request&) {
                  handler_thread = std::this_thread::get_id();
                  return Response::json(200, "{}");
                }), Access::kPermission, "x:read"});
    router.add({"GET", "/pooled", {sync([this](Request&) {
                  handler_thread = std::this_thread::get_id();
                  return Response::json(200, "{}");
                }), Run::kBlocking}, Access::kPublic});
    router.add({"GET", "/boom", {sync([](Request&) -> Response { throw std::runtime_error("secret detail"); }),
                                 Run::kBlocking}, Access::kPublic});
    router.add({"GET", "/wait", {sync([this](Request&) {
                  started.set_value();
                  released.wait();
                  return Response::json(200, "{}");
                }), Run::kBlocking}, Access::kPublic});
    pipeline = std::make_unique<Pipeline>(router, &auth, &metrics, clock, PipelineOptions{false}, nullptr, &pool);
  }
  void TearDown() override { pool.stop(); }

  // Sends a request; the future resolves when the pipeline answers, on
  // whichever thread. The Request must outlive the answer (server contract).
  std::future<Response> send(Request& req, std::string path, std::string auth_header = "") {
    req.method = "GET";
    req.path = std::move(path);
    if (!auth_header.empty()) req.headers.emplace_back("authorization", std::move(auth_header));
    auto answer = std::make_shared<std::promise<Response>>();
    auto future = answer->get_future();
    pipeline->handle(req, [answer](Response r) { answer->set_value(std::move(r)); });
    return future;
  }
  static std::string header(const Response& r, const std::string& name) {
    for (auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }
};

TEST_F(PoolFixture, BlockingRoutesRunOnThePoolAndIoRoutesOnTheCallingThread) {
  Request a;
  EXPECT_EQ(send(a, "/io", "Bearer cached").get().status, 200);
  EXPECT_EQ(handler_thread, std::this_thread::get_id());
  Request b;
  EXPECT_EQ(send(b, "/pooled").get().status, 200);
  EXPECT_NE(handler_thread, std::this_thread::get_id());
}

TEST_F(PoolFixture, ACredentialThatIsNotCachedIsCheckedOnThePoolNeverOnTheCallingThread) {
  Request a;
  Response ok = send(a, "/io", "Bearer stored").get();
  EXPECT_EQ(ok.status, 200);
  EXPECT_NE(auth.slow_thread, std::thread::id());
  EXPECT_NE(auth.slow_thread, std::this_thread::get_id());
  EXPECT_EQ(a.principal, "admin-key:s");
  Request b;
  Response bad = send(b, "/io", "Bearer wrong").get();
  EXPECT_EQ(bad.status, 401);
  EXPECT_NE(auth.slow_thread, std::this_thread::get_id());
}

TEST_F(PoolFixture, AThrowingPooledHandlerIsA500WithTheRequestIdAndALogLineAndThePoolKeepsServing) {
  std::ostringstream logged;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(logged)));
  Request req;
  req.headers.emplace_back("x-request-id", "req-boom-1");
  Response r = send(req, "/boom").get();
  spdlog::set_default_logger(previous);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(header(r, "Content-Type"), "application/problem+json");
  EXPECT_EQ(header(r, "X-Request-Id"), "req-boom-1");
  EXPECT_NE(r.body.find("req-boom-1"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("secret detail"), std::string::npos) << "exception text is for the log, not the client";
  EXPECT_NE(logged.str().find("req-boom-1"), std::string::npos) << logged.str();
  EXPECT_NE(logged.str().find("secret detail"), std::string::npos) << logged.str();
  // The pool's only thread survived.
  Request next;
  EXPECT_EQ(send(next, "/pooled").get().status, 200);
}

TEST_F(PoolFixture, AFullQueueIsA503WithRetryAfterAndQueuedRequestsStillComplete) {
  Request busy, queued, refused;
  auto first = send(busy, "/wait");
  started.get_future().wait();                // the one thread is taken
  auto second = send(queued, "/pooled");      // fills the one queue slot
  Response r = send(refused, "/pooled").get();  // answered at once, on this thread
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(header(r, "Content-Type"), "application/problem+json");
  EXPECT_EQ(header(r, "Retry-After"), "1");
  release.set_value();
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(second.get().status, 200);
}

TEST(ThreadPoolTest, ATaskThatThrowsDoesNotEndItsThread) {
  ThreadPool pool(1, "t");
  ASSERT_EQ(pool.submit([] { throw std::runtime_error("x"); }), Submitted::kQueued);
  std::promise<int> ran;
  ASSERT_EQ(pool.submit([&] { ran.set_value(7); }), Submitted::kQueued);
  EXPECT_EQ(ran.get_future().get(), 7);
  pool.stop();
  EXPECT_EQ(pool.submit([] {}), Submitted::kStopping);
}

}  // namespace
}  // namespace sb::http

namespace sb::http {
namespace {

TEST(TraceContextTest, AValidTraceparentIsContinuedWithANewSpan) {
  auto t = continue_or_start("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "vendor=x");
  EXPECT_EQ(t.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t.parent_id(), "00f067aa0ba902b7");
  EXPECT_EQ(t.flags, 1);
  EXPECT_EQ(t.tracestate, "vendor=x");
  EXPECT_EQ(t.span_id().size(), 16u);
  EXPECT_NE(t.span_id(), "00f067aa0ba902b7");
  EXPECT_EQ(t.traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-" + std::string(t.span_id()) + "-01");
}

TEST(TraceContextTest, AnInvalidTraceparentStartsANewTrace) {
  for (std::string bad : {"", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"}) {
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
    auto t = continue_or_start(bad, "vendor=x");
    EXPECT_EQ(t.trace_id().size(), 32u) << bad;
    EXPECT_EQ(t.trace_id().find_first_not_of("0123456789abcdef"), std::string_view::npos) << bad;
    EXPECT_TRUE(t.parent_id().empty()) << bad;
    EXPECT_TRUE(t.tracestate.empty()) << "tracestate without a valid traceparent is dropped";
  }
  // A later version's first four fields are read as version 00's.
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-whatever"));
}

TEST_F(PoolFixture, ACallersTraceIsContinuedAndComesBackOnEveryAnswer) {
  Request req;
  req.headers.emplace_back("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  Response r = send(req, "/pooled").get();
  EXPECT_EQ(header(r, "traceresponse").substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  EXPECT_EQ(req.trace.parent_id(), "00f067aa0ba902b7");
  Request traced404;
  traced404.headers.emplace_back("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  Response r2 = send(traced404, "/nowhere").get();  // a 404 too
  EXPECT_EQ(r2.status, 404);
  EXPECT_EQ(header(r2, "traceresponse").size(), 55u);
  // A caller that does not trace gets a trace started for the log, and X-Request-Id.
  Request fresh;
  Response r3 = send(fresh, "/pooled").get();
  EXPECT_TRUE(fresh.trace.valid());
  EXPECT_EQ(header(r3, "traceresponse"), "");
  EXPECT_FALSE(header(r3, "X-Request-Id").empty());
}

}  // namespace
}  // namespace sb::http

namespace sb::http {
namespace {

// A gateway-like step: stamps every answer of its route table.
class StampStep final : public Step {
 public:
  Outcome run(Request&, const Route&, Reply& reply, bool) override {
    reply = [inner = std::move(reply)](Response r) {
      r.headers.emplace_back("X-Table", "gateway");
      inner(std::move(r));
    };
    return Outcome::kNext;
  }
};

TEST(RouteSteps, ARouteTableCanBringItsOwnStepsAndOtherRoutesKeepThePipelines) {
  Router router;
  SplitAuth auth;
  metrics::Registry metrics;
  ManualClock clock;
  auto gateway_steps = std::make_shared<const Steps>(Steps{authenticate_step(&auth), std::make_shared<StampStep>()});
  Route gw{"GET", "/gw/*", sync([](Request& r) { return Response::json(200, "\"" + r.params["*"] + "\""); }),
           Access::kPermission, "gw:call"};
  gw.steps = gateway_steps;
  router.add(gw);
  router.add({"GET", "/plain", sync([](Request&) { return Response::json(200, "{}"); }), Access::kPublic});
  Pipeline pipeline(router, &auth, &metrics, clock, PipelineOptions{false});
  auto call = [&](std::string path, std::string key) {
    Request req;
    req.method = "GET";
    req.path = std::move(path);
    if (!key.empty()) req.headers.emplace_back("authorization", "Bearer " + key);
    Response out;
    pipeline.handle(req, [&](Response r) { out = std::move(r); });
    return out;
  };
  auto find = [](const Response& r, const std::string& name) {
    for (auto& [k, v] : r.headers)
      if (k == name) return v;
    return std::string();
  };
  Response ok = call("/gw/orders/7", "stored");  // no pool: the blocking check runs inline
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "\"orders/7\"");
  EXPECT_EQ(find(ok, "X-Table"), "gateway");
  EXPECT_EQ(call("/gw/orders/7", "").status, 401);  // its own list still authenticates
  EXPECT_EQ(find(call("/plain", ""), "X-Table"), "");
}

}  // namespace
}  // namespace sb::http
