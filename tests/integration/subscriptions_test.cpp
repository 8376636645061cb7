// Durable subscriptions on both engines: cursor, order, retries with
// backoff on the injected clock, dead letters, replay, webhook signing.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "core/clock.h"
#include "core/crypto.h"
#include "core/metrics.h"
#include "events/event_log.h"
#include "events/subscriptions.h"
#include "test_databases.h"

namespace sb::events {
namespace {

Event make(const std::string& id, const std::string& type) {
  Event e;
  e.id = id;
  e.source = "/t";
  e.type = type;
  e.data_json = "{}";
  return e;
}

struct Sent {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class SubscriptionsTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  SubscriptionsTest()
      : db(sb::test::open_test_db(GetParam())),
        log(*db, clock),
        subs(*db, log, clock, &metrics,
             [this](const std::string& url, const std::vector<std::pair<std::string, std::string>>& h, const std::string& body) {
               sent.push_back({url, h, body});
               return fail_webhook ? Status::unavailable("HTTP 503") : Status();
             },
             options(), [] { return 1.0; } /* jitter at its cap, so delays are exact */) {
    subs.register_handler("collect", [this](const StoredEvent& e) -> Status {
      if (handler_failures > 0) {
        --handler_failures;
        return Status::unavailable("downstream busy");
      }
      handled.push_back(e.sequence);
      return {};
    });
  }
  static DeliveryOptions options() {
    DeliveryOptions o;
    o.max_attempts = 3;
    o.base_backoff_ms = 1000;
    o.max_backoff_ms = 60'000;
    return o;
  }
  int64_t publish(const std::string& id, const std::string& type) { return (*log.publish({make(id, type)}))[0].sequence; }

  ManualClock clock;
  sb::test::TestDb db;
  metrics::Registry metrics;
  EventLog log;
  std::vector<Sent> sent;
  bool fail_webhook = false;
  int handler_failures = 0;
  std::vector<int64_t> handled;
  Subscriptions subs;
};

TEST_P(SubscriptionsTest, DeliversMatchingEventsInOrderFromItsCursor) {
  int64_t before = publish("old", "order.created");
  auto sub = subs.create({"order.*", "", "collect", -1});
  ASSERT_TRUE(sub.ok()) << sub.status().to_string();
  EXPECT_EQ(sub->cursor, before);  // only new events by default
  int64_t a = publish("a", "order.created");
  publish("x", "user.registered");
  int64_t b = publish("b", "order.paid");
  subs.run_once();
  EXPECT_EQ(handled, (std::vector<int64_t>{a, b}));
  auto got = subs.get(sub->id);
  EXPECT_EQ(got->delivered, 2);
  EXPECT_EQ(got->cursor, log.head());
  subs.run_once();  // nothing new: nothing re-delivered
  EXPECT_EQ(handled.size(), 2u);
  auto from_start = subs.create({"order.*", "", "collect", 0});
  handled.clear();
  subs.run_once();
  EXPECT_EQ(handled, (std::vector<int64_t>{before, a, b}));
}

TEST_P(SubscriptionsTest, RetriesWithBackoffThenDeadLettersAndMovesOn) {
  auto sub = subs.create({"job.*", "", "collect", -1});
  int64_t poison = publish("p", "job.run");
  int64_t next = publish("n", "job.run");
  handler_failures = 3;  // == max_attempts for the first event
  subs.run_once();
  EXPECT_TRUE(handled.empty());
  auto s1 = subs.get(sub->id);
  EXPECT_EQ(s1->attempts, 1);
  EXPECT_EQ(s1->next_attempt_at, clock.now_ms() + 1000);
  EXPECT_EQ(s1->last_error, "downstream busy");
  subs.run_once();  // not due yet
  EXPECT_EQ(handler_failures, 2);
  clock.advance(std::chrono::milliseconds(1000));
  subs.run_once();
  EXPECT_EQ(subs.get(sub->id)->next_attempt_at, clock.now_ms() + 2000);  // doubled
  clock.advance(std::chrono::milliseconds(2000));
  subs.run_once();  // third failure: dead-lettered, and the next event goes through
  EXPECT_EQ(handled, (std::vector<int64_t>{next}));
  auto dead = subs.dead_letters(sub->id);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].sequence, poison);
  EXPECT_EQ((*dead)[0].attempts, 3);
  EXPECT_EQ(subs.get(sub->id)->dead_letters, 1);
  EXPECT_NE(metrics.render().find("sb_subscription_dead_letters{subscription=\"" + sub->id + "\"} 1"), std::string::npos);

  // Replay from the poisoned event re-delivers it and what followed.
  handled.clear();
  ASSERT_TRUE(subs.replay(sub->id, poison));
  subs.run_once();
  EXPECT_EQ(handled, (std::vector<int64_t>{poison, next}));
  EXPECT_EQ(subs.replay("nope", 1).code(), Code::kNotFound);
}

TEST_P(SubscriptionsTest, OneFailingSubscriptionDoesNotHoldBackAnother) {
  auto hook = subs.create({"a.*", "http://127.0.0.1:9/hook", "", -1});
  auto local = subs.create({"a.*", "", "collect", -1});
  fail_webhook = true;
  int64_t s = publish("e1", "a.b");
  subs.run_once();
  EXPECT_EQ(handled, (std::vector<int64_t>{s}));
  EXPECT_EQ(subs.get(hook->id)->attempts, 1);
}

TEST_P(SubscriptionsTest, WebhooksAreSignedPerStandardWebhooks) {
  auto hook = subs.create({"user.*", "http://127.0.0.1:9/hook", "", -1});
  ASSERT_TRUE(hook.ok());
  ASSERT_EQ(hook->secret.rfind("whsec_", 0), 0u);
  int64_t seq = publish("u1", "user.registered");
  subs.run_once();
  ASSERT_EQ(sent.size(), 1u);
  std::map<std::string, std::string> h(sent[0].headers.begin(), sent[0].headers.end());
  EXPECT_EQ(sent[0].url, "http://127.0.0.1:9/hook");
  EXPECT_EQ(h["webhook-timestamp"], std::to_string(clock.now_ms() / 1000));
  std::string signed_content = h["webhook-id"] + "." + h["webhook-timestamp"] + "." + sent[0].body;
  std::string expected = "v1," + crypto::base64_encode(crypto::hmac_sha256(*crypto::base64_decode(hook->secret.substr(6)), signed_content));
  EXPECT_EQ(h["webhook-signature"], expected);
  EXPECT_NE(sent[0].body.find("\"sequence\":" + std::to_string(seq)), std::string::npos);
  // The secret is shown once: later reads do not carry it.
  EXPECT_TRUE(subs.get(hook->id)->secret.empty());
}

TEST_P(SubscriptionsTest, InvalidSpecsNameTheField) {
  auto bad = subs.create({"user.**", "ftp://x", "", -1});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().fields()[0].field, "/pattern");
  EXPECT_EQ(bad.status().fields()[1].field, "/webhook_url");
  EXPECT_EQ(subs.create({"*", "", "", -1}).status().fields()[0].field, "/webhook_url");
  EXPECT_EQ(subs.create({"*", "", "unknown", -1}).status().fields()[0].field, "/handler");
  EXPECT_TRUE(subs.list()->empty());
}

// Two instances on one database: every event reaches the handler exactly
// once and in order, whichever instance delivers it.
TEST_P(SubscriptionsTest, TwoInstancesShareDeliveryWithoutDuplicatesOrReordering) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int64_t> seen;
  auto handler = [&](const StoredEvent& e) -> Status {
    std::lock_guard lock(mu);
    seen.push_back(e.sequence);
    cv.notify_all();
    return {};
  };
  DeliveryOptions o = options();
  o.poll_ms = 5;
  Subscriptions a(*db, log, Clock::system(), nullptr, nullptr, o);
  EventLog log_b(*db, Clock::system());
  Subscriptions b(*db, log_b, Clock::system(), nullptr, nullptr, o);
  a.register_handler("shared", handler);
  b.register_handler("shared", handler);
  ASSERT_TRUE(a.create({"pair.*", "", "shared", -1}).ok());
  a.start();
  b.start();
  std::vector<int64_t> published;
  for (int i = 0; i < 200; ++i) published.push_back(publish("p" + std::to_string(i), "pair.test"));
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return seen.size() >= published.size(); }));
  }
  a.stop();
  b.stop();
  EXPECT_EQ(seen, published);
}

INSTANTIATE_TEST_SUITE_P(Engines, SubscriptionsTest, ::testing::ValuesIn(sb::test::all_engines()), sb::test::engine_name);

}  // namespace
}  // namespace sb::events
