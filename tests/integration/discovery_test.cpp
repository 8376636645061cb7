// The service registry on both engines with an injected clock: TTL expiry
// and recovery, the deregister delay, active HTTP and TCP checks with their
// thresholds (real loopback servers), the checker's lease between two
// instances, re-registration without changes, and blocking watches.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "discovery/checker.h"
#include "discovery/registry.h"
#include "discovery/watchers.h"
#include "events/event_log.h"
#include "http_standin.h"
#include "test_databases.h"

namespace sb::test {
namespace {

namespace bj = boost::json;
using discovery::Health;

class DiscoveryTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  DiscoveryTest() : db(open_test_db(GetParam())), log(*db, clock), registry(*db, log, clock) {}

  discovery::Instance parse(const std::string& id, const std::string& body) {
    auto in = discovery::parse_registration("orders", id, bj::parse(body).as_object());
    EXPECT_TRUE(in.ok()) << in.status().to_string();
    return in.ok() ? *in : discovery::Instance{};
  }
  Health health_of(const std::string& id) {
    for (const auto& in : registry.service("orders")->instances)
      if (in.id == id) return in.health;
    ADD_FAILURE() << id << " is not registered";
    return Health::kCritical;
  }
  bool registered(const std::string& id) {
    for (const auto& in : registry.service("orders")->instances)
      if (in.id == id) return true;
    return false;
  }
  std::vector<std::string> event_types() {
    events::Query q;
    q.type_pattern = "service.*";
    std::vector<std::string> out;
    auto rows = log.read(q);  // held: a range-for over *log.read(q) would outlive the Result
    EXPECT_TRUE(rows.ok());
    for (const auto& e : *rows) out.push_back(e.type);
    return out;
  }
  discovery::CheckerOptions checker_options(const std::string& owner) {
    discovery::CheckerOptions o;
    o.owner = owner;
    o.lease_ms = 4'000;
    return o;
  }

  ManualClock clock;
  TestDb db;
  events::EventLog log;
  discovery::Registry registry;
};

TEST_P(DiscoveryTest, TtlExpiresRecoversAndDeregistersAfterTheDelay) {
  ASSERT_TRUE(registry.register_instance(parse("o1", R"({"address":"10.0.0.1","port":9001,
      "check":{"ttl_ms":5000,"deregister_after_ms":10000}})")).ok());
  discovery::Checker checker(registry, clock, checker_options("a"));
  EXPECT_EQ(health_of("o1"), Health::kPassing) << "registration counts as a heartbeat";
  int64_t index = registry.service("orders")->index;

  clock.advance(Millis(4'000));
  ASSERT_TRUE(registry.heartbeat("orders", "o1"));
  clock.advance(Millis(4'000));
  checker.tick();
  EXPECT_EQ(health_of("o1"), Health::kPassing) << "a heartbeat 4 s ago, TTL 5 s";
  EXPECT_EQ(registry.service("orders")->index, index) << "heartbeats are not changes";

  clock.advance(Millis(1'001));
  checker.tick();
  EXPECT_EQ(health_of("o1"), Health::kCritical);
  EXPECT_GT(registry.service("orders")->index, index);
  EXPECT_TRUE(registry.healthy("orders").empty());

  ASSERT_TRUE(registry.heartbeat("orders", "o1"));
  EXPECT_EQ(health_of("o1"), Health::kPassing) << "a heartbeat undoes a TTL verdict";

  clock.advance(Millis(5'001));
  checker.tick();
  clock.advance(Millis(9'000));
  checker.tick();
  EXPECT_TRUE(registered("o1")) << "critical 9 s of a 10 s deregister delay";
  clock.advance(Millis(1'001));
  checker.tick();
  EXPECT_FALSE(registered("o1"));
  EXPECT_EQ(event_types(), (std::vector<std::string>{"service.registered", "service.health_changed",
                                                     "service.health_changed", "service.health_changed",
                                                     "service.deregistered"}));
  EXPECT_EQ(registry.heartbeat("orders", "o1").code(), Code::kNotFound);
}

TEST_P(DiscoveryTest, ActiveHttpCheckMovesHealthOnlyPastItsThresholds) {
  HttpStandin upstream;
  ASSERT_TRUE(registry.register_instance(parse("o1", R"({"address":"127.0.0.1","port":)" +
                                                         std::to_string(upstream.port()) + R"(,"check":{"http":")" +
                                                         upstream.base_url() + R"(/health","interval_ms":1000,
      "timeout_ms":500,"healthy_threshold":2,"unhealthy_threshold":2}})")).ok());
  EXPECT_EQ(health_of("o1"), Health::kCritical) << "not checked yet";
  discovery::Checker checker(registry, clock, checker_options("a"));
  auto round = [&] {
    checker.tick();
    checker.drain();
    clock.advance(Millis(1'200));  // past the interval and its jitter
  };
  round();
  EXPECT_EQ(health_of("o1"), Health::kCritical) << "one pass of two";
  round();
  EXPECT_EQ(health_of("o1"), Health::kPassing);
  upstream.fail_next(1, 503);
  round();
  EXPECT_EQ(health_of("o1"), Health::kPassing) << "one failure of two";
  round();
  EXPECT_EQ(health_of("o1"), Health::kPassing) << "failures must be consecutive";
  upstream.fail_next(2, 500);
  round();
  round();
  EXPECT_EQ(health_of("o1"), Health::kCritical);
  EXPECT_EQ(registry.service("orders")->instances[0].output, "HTTP 500");
  EXPECT_GE(upstream.request_count(), 6u);
}

TEST_P(DiscoveryTest, TcpCheckFailsOnAClosedPortAndPassesOnAListeningOne) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(listen(fd, 4), 0);
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string open_port = std::to_string(ntohs(addr.sin_port));
  ASSERT_TRUE(registry.register_instance(parse("up", R"({"address":"127.0.0.1","port":)" + open_port +
                                                         R"(,"check":{"tcp":"127.0.0.1:)" + open_port +
                                                         R"(","interval_ms":1000}})")).ok());
  ASSERT_TRUE(registry.register_instance(parse("down", R"({"address":"127.0.0.1","port":1,
      "check":{"tcp":"127.0.0.1:1","interval_ms":1000,"timeout_ms":200}})")).ok());
  discovery::Checker checker(registry, clock, checker_options("a"));
  checker.tick();
  checker.drain();
  EXPECT_EQ(health_of("up"), Health::kPassing);
  EXPECT_EQ(health_of("down"), Health::kCritical);
  for (const auto& in : registry.service("orders")->instances)
    if (in.id == "down") EXPECT_NE(in.output.find("connect"), std::string::npos) << in.output;
  close(fd);
}

TEST_P(DiscoveryTest, OneCheckerHoldsTheLeaseUntilItLapses) {
  ASSERT_TRUE(registry.register_instance(parse("o1", R"({"address":"10.0.0.1","port":1,"check":{"ttl_ms":1000}})")).ok());
  discovery::Checker a(registry, clock, checker_options("a")), b(registry, clock, checker_options("b"));
  a.tick();
  b.tick();
  EXPECT_TRUE(a.holds_lease());
  EXPECT_FALSE(b.holds_lease()) << "one holder at a time";
  clock.advance(Millis(2'500));
  a.tick();  // renews (past half the lease)
  clock.advance(Millis(2'500));
  b.tick();
  EXPECT_FALSE(b.holds_lease()) << "renewed 2.5 s ago, lease 4 s";
  clock.advance(Millis(4'100));  // a stops ticking: its lease lapses
  b.tick();
  EXPECT_TRUE(b.holds_lease());
  EXPECT_EQ(health_of("o1"), Health::kCritical) << "the new holder sweeps";
}

TEST_P(DiscoveryTest, ReRegisteringUnchangedIsNotAChangeAndWatchesWakeOnChanges) {
  auto body = R"({"address":"10.0.0.1","port":9001,"tags":["a"],"check":{"ttl_ms":5000}})";
  ASSERT_TRUE(registry.register_instance(parse("o1", body)).ok());
  discovery::Watchers watchers;
  registry.on_change([&](const std::string& s, int64_t i) { watchers.notify(s, i); });
  int64_t index = registry.service("orders")->index;
  ASSERT_TRUE(registry.register_instance(parse("o1", body)).ok());
  EXPECT_EQ(registry.service("orders")->index, index);
  EXPECT_EQ(event_types().size(), 1u);

  int woke = 0, expired = 0;
  ASSERT_TRUE(watchers.park("orders", index, clock.steady_ms() + 30'000, [&](bool changed) {
    changed ? ++woke : ++expired;
  }));
  ASSERT_TRUE(registry.register_instance(parse("o1", R"({"address":"10.0.0.2","port":9001,"check":{"ttl_ms":5000}})")).ok());
  EXPECT_EQ(woke, 1);
  EXPECT_FALSE(watchers.park("orders", index, clock.steady_ms() + 30'000, [](bool) {}))
      << "a watcher that parks after a change it has not seen answers at once";
  ASSERT_TRUE(watchers.park("orders", registry.service("orders")->index, clock.steady_ms() + 1'000,
                            [&](bool changed) { changed ? ++woke : ++expired; }));
  watchers.expire(clock.steady_ms() + 999);
  EXPECT_EQ(expired, 0);
  watchers.expire(clock.steady_ms() + 1'000);
  EXPECT_EQ(expired, 1);
}

TEST_P(DiscoveryTest, RegistrationRefusalsNameTheField) {
  auto field = [](const std::string& body) {
    auto r = discovery::parse_registration("orders", "o1", bj::parse(body).as_object());
    return r.ok() ? std::string("ok") : r.status().fields().at(0).field;
  };
  EXPECT_EQ(field(R"({"address":"10.0.0.1","port":70000})"), "/port");
  EXPECT_EQ(field(R"({"address":"bad host!","port":1})"), "/address");
  EXPECT_EQ(field(R"({"address":"::1","port":1,"check":{"http":"ftp://x"}})"), "/check/http");
  EXPECT_EQ(field(R"({"address":"::1","port":1,"check":{"tcp":"nohost"}})"), "/check/tcp");
  EXPECT_EQ(field(R"({"address":"::1","port":1,"check":{}})"), "/check");
  EXPECT_EQ(field(R"({"address":"::1","port":1,"check":{"ttl_ms":1000,"intervl_ms":5}})"), "/check/intervl_ms");
  EXPECT_EQ(field(R"({"address":"::1","port":1,"tags":[1]})"), "/tags/0");
  EXPECT_EQ(field(R"({"address":"::1","port":1,"meta":{"k":1}})"), "/meta/k");
  EXPECT_EQ(discovery::parse_registration("Orders!", "o1", bj::object{}).status().fields().at(0).field, "name");
  EXPECT_EQ(discovery::parse_registration("orders", "o 1", bj::object{}).status().fields().at(0).field, "id");
}

INSTANTIATE_TEST_SUITE_P(Engines, DiscoveryTest, ::testing::ValuesIn(all_engines()), engine_name);

}  // namespace
}  // namespace sb::test
