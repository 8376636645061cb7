// Digests (notify/digest.h) on both engines with a ManualClock and the real
// job queue: sends within a window go out as one message rendered from the
// `<type>.digest` template; the next window opens a new digest; critical
// sends, other channels and opted-out users are not digested; daily_at
// follows the user's time zone across both Berlin daylight-saving changes;
// quiet hours push a digest to their end; a failed digest is retried.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <mutex>
#include <thread>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "eventually.h"
#include "events/event_log.h"
#include "jobs/queue.h"
#include "notify/service.h"
#include "providers/channel_kinds.h"
#include "providers/messaging.h"
#include "providers/push/push.h"
#include "temp_dir.h"
#include "test_databases.h"

namespace sb::notify {
namespace {

struct Outbox {
  std::mutex mu;
  std::vector<providers::EmailMessage> emails;  // guarded by mu
  std::vector<providers::SmsMessage> sms;       // guarded by mu
  std::vector<providers::PushMessage> pushes;   // guarded by mu
  std::atomic<int> fail_next{0};
};

class CaptureEmail final : public providers::EmailSender {
 public:
  explicit CaptureEmail(Outbox& o) : o_(o) {}
  Result<std::string> send(const providers::EmailMessage& m) override {
    if (o_.fail_next > 0) {
      --o_.fail_next;
      return Status::unavailable("provider down");
    }
    std::lock_guard lock(o_.mu);
    o_.emails.push_back(m);
    return std::string("cap-" + std::to_string(o_.emails.size()));
  }

 private:
  Outbox& o_;
};

class CaptureSms final : public providers::SmsSender {
 public:
  explicit CaptureSms(Outbox& o) : o_(o) {}
  Result<std::string> send(const providers::SmsMessage& m) override {
    std::lock_guard lock(o_.mu);
    o_.sms.push_back(m);
    return std::string("cap-sms");
  }

 private:
  Outbox& o_;
};

class CapturePush final : public providers::PushSender {
 public:
  explicit CapturePush(Outbox& o) : o_(o) {}
  Result<std::string> send(const providers::PushMessage& m) override {
    std::lock_guard lock(o_.mu);
    o_.pushes.push_back(m);
    return std::string("push-1");
  }

 private:
  Outbox& o_;
};

int64_t at(const char* rfc3339) {
  int64_t ms = 0;
  EXPECT_TRUE(parse_rfc3339(rfc3339, ms)) << rfc3339;
  return ms;
}

class NotifyDigestTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  NotifyDigestTest()
      : db(test::open_test_db(GetParam())),
        log(*db, clock),
        queue(*db, log, clock),
        config(nullptr, nullptr),
        messaging(config, clock, nullptr, dir.path(), {.sleeper = [](Millis) {}}) {
    EXPECT_TRUE(messaging.registry<providers::EmailKind>().add(
        {"capture", "test", {}, [this](const config::ConfigService&) -> Result<std::unique_ptr<providers::EmailSender>> {
           return std::unique_ptr<providers::EmailSender>(new CaptureEmail(outbox));
         }}));
    EXPECT_TRUE(messaging.registry<providers::SmsKind>().add(
        {"capture", "test", {}, [this](const config::ConfigService&) -> Result<std::unique_ptr<providers::SmsSender>> {
           return std::unique_ptr<providers::SmsSender>(new CaptureSms(outbox));
         }}));
    EXPECT_TRUE(messaging.registry<providers::PushKind>().add(
        {"capture", "test", {}, [this](const config::ConfigService&) -> Result<std::unique_ptr<providers::PushSender>> {
           return std::unique_ptr<providers::PushSender>(new CapturePush(outbox));
         }}));
    EXPECT_TRUE(config.set("push.providers", boost::json::array{"capture"}, "test"));
    EXPECT_TRUE(config.set("email.providers", boost::json::array{"capture"}, "test"));
    EXPECT_TRUE(config.set("sms.providers", boost::json::array{"capture"}, "test"));
    EXPECT_TRUE(config.set("email.retry.max_attempts", boost::json::value(1), "test"));
    EXPECT_TRUE(config.set("email.breaker.min_calls", boost::json::value(1000), "test"));
    EXPECT_TRUE(config.set("email.from", boost::json::value("Acme <no-reply@acme.example>"), "test"));
    Options opt;
    opt.max_attempts = 3;
    opt.backoff_ms = 0;  // a failed digest comes again at once
    opt.workers = 2;
    opt.digests = [this] {
      std::lock_guard lock(digests_mu);
      return digests;
    };
    service = std::make_unique<Service>(
        *db, log, queue, messaging,
        [](const std::string& user) -> Result<Recipient> { return Recipient{user + "@example.com", "+4915112345678"}; },
        clock, opt);
    service->start();
    put("activity", "email", "New: {{what}}", "{{what}}");
    put("activity", "sms", "", "{{what}}");
    put("activity.digest", "email", "{{count}} updates", "{{#items}}- {{what}}\n{{/items}}");
  }
  ~NotifyDigestTest() override { service->stop(); }

  void put(std::string type, std::string channel, std::string subject, std::string body) {
    Status s = service->put_template({type, channel, "", subject, body, "", 0});
    ASSERT_TRUE(s) << s.to_string();
  }
  void configure(const char* json) {
    auto parsed = parse_digests(boost::json::parse(json));
    ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
    std::lock_guard lock(digests_mu);
    digests = std::make_shared<const std::vector<Digest>>(*parsed);
  }
  void time_zone(const std::string& tz) {  // quiet hours with start == end: a zone, no window
    Preferences p;
    p.quiet_hours = QuietHours{0, 0, tz};
    ASSERT_TRUE(service->set_preferences("u1", p));
  }
  Delivery send(const std::string& what, std::vector<std::string> channels = {"email"}, bool critical = false) {
    auto n = service->send({"u1", "activity", R"({"what":")" + what + R"("})", std::move(channels), critical, "", ""});
    EXPECT_TRUE(n.ok()) << n.status().to_string();
    if (!n.ok()) return Delivery{};
    notification_of_delivery[n->deliveries.at(0).id] = n->id;
    return n->deliveries.at(0);
  }
  // "in digest <id> until <time>" -> <id>
  static std::string digest_of(const Delivery& d) {
    auto from = d.detail.find("in digest ");
    if (from == std::string::npos) return "";
    from += 10;
    return d.detail.substr(from, d.detail.find(' ', from) - from);
  }
  // Moves the clock to `ms`, lets the queue release what is due, and waits
  // for the `n`th email.
  bool emails_after(int64_t ms, size_t n) {
    // A job in hand is recorded with its ack, a moment after the provider
    // call: moving the clock past its lease first would hand it out again.
    EXPECT_TRUE(test::eventually([&] {
      for (const char* q : {"notify.email", "notify.sms", "notify.push", "notify.digest"}) {
        auto info = queue.info(q);
        if (info.ok() && info->counts.active > 0) return false;
      }
      return true;
    }));
    clock.set_now_ms(ms);
    EXPECT_TRUE(queue.tick());
    return test::eventually([&] {
      std::lock_guard lock(outbox.mu);
      return outbox.emails.size() >= n;
    });
  }
  size_t email_count() {
    std::lock_guard lock(outbox.mu);
    return outbox.emails.size();
  }
  jobs::State digest_state(const std::string& id) {
    auto j = queue.get(kDigestQueue, id);
    EXPECT_TRUE(j.ok()) << j.status().to_string();
    return j.ok() ? j->state : jobs::State::kCancelled;
  }
  Delivery delivery(const std::string& notification_id) {
    auto n = service->get(notification_id);
    EXPECT_TRUE(n.ok());
    return n.ok() ? n->deliveries.at(0) : Delivery{};
  }
  std::string notification_of(const Delivery& d) { return notification_of_delivery[d.id]; }
  bool status_is(const Delivery& d, const std::string& status) {
    const std::string id = notification_of(d);
    return test::eventually([&] { return delivery(id).status == status; });
  }

  ManualClock clock;  // 2023-11-14T22:13:20Z
  test::TempDir dir;
  test::TestDb db;
  events::EventLog log;
  jobs::Queue queue;
  config::ConfigService config;
  providers::Messaging messaging;
  std::mutex digests_mu;
  std::shared_ptr<const std::vector<Digest>> digests;  // guarded by digests_mu
  Outbox outbox;
  std::unique_ptr<Service> service;
  std::map<std::string, std::string> notification_of_delivery;
};

TEST_P(NotifyDigestTest, SendsWithinAWindowGoOutAsOneMessageAndTheNextWindowOpensANewDigest) {
  configure(R"([{"type":"activity","channels":["email"],"window":"1h"}])");
  std::vector<Delivery> sent;
  for (const char* what : {"a", "b", "c"}) {
    sent.push_back(send(what));
    clock.advance(std::chrono::minutes(1));
  }
  for (auto& d : sent) {
    EXPECT_EQ(d.status, "digested");
    EXPECT_EQ(d.detail, "in digest " + digest_of(sent[0]) + " until 2023-11-14T23:00:00.000Z") << "closes on the hour";
  }
  const std::string first = digest_of(sent[0]);
  EXPECT_EQ(digest_state(first), jobs::State::kDelayed) << "nothing goes out before the window closes";
  auto sms = send("other channel", {"sms"});
  EXPECT_EQ(sms.status, "queued") << "activity by sms is not digested";
  auto urgent = send("critical", {"email"}, true);
  EXPECT_EQ(urgent.status, "queued") << "critical sends bypass digests";
  ASSERT_TRUE(emails_after(clock.now_ms(), 1));
  {
    std::lock_guard lock(outbox.mu);
    EXPECT_EQ(outbox.emails[0].subject, "New: critical");
  }

  ASSERT_TRUE(emails_after(at("2023-11-14T23:00:00Z"), 2));
  {
    std::lock_guard lock(outbox.mu);
    EXPECT_EQ(outbox.emails[1].subject, "3 updates");
    EXPECT_EQ(outbox.emails[1].text, "- a\n- b\n- c\n");
    EXPECT_EQ(outbox.emails[1].to, std::vector<std::string>{"u1@example.com"});
  }
  for (auto& d : sent) {
    ASSERT_TRUE(status_is(d, "sent"));
    auto now = delivery(notification_of(d));
    EXPECT_EQ(now.provider, "capture");
    EXPECT_EQ(now.detail, "in digest " + first + " of 3");
    ASSERT_EQ(now.timeline.size(), 3u);
    EXPECT_EQ(now.timeline[0].status, "digested");
    EXPECT_EQ(now.timeline[1].status, "sending");
    EXPECT_EQ(now.timeline[2].status, "sent");
  }
  auto events = log.read({"notification.sent", "", 0, 100, {}});
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 5u) << "one per delivery: the sms, the critical email and the digest's three";

  // After the window: a new digest, for the next hour.
  clock.advance(std::chrono::minutes(5));
  auto later = send("d");
  EXPECT_EQ(later.status, "digested");
  EXPECT_NE(digest_of(later), first);
  EXPECT_EQ(later.detail, "in digest " + digest_of(later) + " until 2023-11-15T00:00:00.000Z");
  ASSERT_TRUE(emails_after(at("2023-11-15T00:00:00Z"), 3));
  std::lock_guard lock(outbox.mu);
  EXPECT_EQ(outbox.emails[2].subject, "1 updates");
  EXPECT_EQ(outbox.emails[2].text, "- d\n");
  EXPECT_EQ(outbox.emails.size(), 3u);
}

// Berlin: CET (UTC+1) until 2026-03-29 02:00 local, CEST (UTC+2) until
// 2026-10-25 03:00 local. 09:00 local is 08:00Z in winter, 07:00Z in summer.
TEST_P(NotifyDigestTest, ADailyDigestGoesOutAtNineLocalOnBothSidesOfEachDaylightSavingChange) {
  configure(R"([{"type":"activity","channels":["email"],"daily_at":"09:00"}])");
  time_zone("Europe/Berlin");
  struct Case {
    const char* send_at;
    const char* due;
  } cases[] = {
      {"2026-03-27T10:00:00Z", "2026-03-28T08:00:00.000Z"},  // Sat 09:00 CET
      {"2026-03-28T10:00:00Z", "2026-03-29T07:00:00.000Z"},  // Sun 09:00 CEST, the day the clocks go forward
      {"2026-10-24T10:00:00Z", "2026-10-25T08:00:00.000Z"},  // Sun 09:00 CET, the day they go back
      {"2026-10-25T10:00:00Z", "2026-10-26T08:00:00.000Z"},
  };
  size_t emails = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.send_at);
    clock.set_now_ms(at(c.send_at));
    auto d = send("x");
    ASSERT_EQ(d.status, "digested");
    EXPECT_EQ(d.detail, "in digest " + digest_of(d) + " until " + c.due);
    const int64_t due = at(c.due);
    clock.set_now_ms(due - 60'000);
    ASSERT_TRUE(queue.tick());
    EXPECT_EQ(digest_state(digest_of(d)), jobs::State::kDelayed) << "a minute early: still waiting";
    ASSERT_TRUE(emails_after(due, ++emails));
    EXPECT_TRUE(status_is(d, "sent"));
  }
  // Without a time zone the user's 09:00 is UTC.
  ASSERT_TRUE(service->set_preferences("u1", Preferences{}));
  clock.set_now_ms(at("2026-07-01T10:00:00Z"));
  auto utc = send("y");
  EXPECT_EQ(utc.detail, "in digest " + digest_of(utc) + " until 2026-07-02T09:00:00.000Z");
}

TEST_P(NotifyDigestTest, QuietHoursPushTheDigestToTheirEnd) {
  configure(R"([{"type":"activity","channels":["email"],"window":"1h"}])");
  Preferences p;
  p.quiet_hours = QuietHours{22 * 60, 7 * 60, "Europe/Berlin"};
  ASSERT_TRUE(service->set_preferences("u1", p));
  // 23:13 CET: the window closes at 00:00 CET, inside quiet hours (until 07:00 CET = 06:00Z).
  auto a = send("a");
  EXPECT_EQ(a.detail, "in digest " + digest_of(a) + " until 2023-11-15T06:00:00.000Z");
  clock.set_now_ms(at("2023-11-15T02:30:00Z"));
  auto b = send("b");
  EXPECT_EQ(digest_of(b), digest_of(a)) << "every window that closes in quiet hours is one digest";
  clock.set_now_ms(at("2023-11-15T05:30:00Z"));  // 06:30 CET: its window closes at 07:00 CET, as quiet hours end
  auto c = send("c");
  EXPECT_EQ(digest_of(c), digest_of(a));
  ASSERT_TRUE(emails_after(at("2023-11-15T06:00:00Z"), 1));
  std::lock_guard lock(outbox.mu);
  EXPECT_EQ(outbox.emails[0].text, "- a\n- b\n- c\n");
}

TEST_P(NotifyDigestTest, QuietHoursSetAfterTheSendsHoldTheDigestUntilTheyEnd) {
  configure(R"([{"type":"activity","channels":["email"],"window":"1h"}])");
  auto a = send("a");  // due 23:00Z
  Preferences p;
  p.quiet_hours = QuietHours{22 * 60, 7 * 60, "Europe/Berlin"};
  ASSERT_TRUE(service->set_preferences("u1", p));
  clock.set_now_ms(at("2023-11-14T23:00:00Z"));
  ASSERT_TRUE(queue.tick());
  ASSERT_TRUE(test::eventually([&] { return digest_state(digest_of(a)) == jobs::State::kCompleted; }));
  auto held = delivery(notification_of(a));
  EXPECT_EQ(held.status, "digested");
  const std::string next = digest_of(held);
  EXPECT_NE(next, digest_of(a)) << "a digest of its own, due when quiet hours end";
  EXPECT_EQ(held.detail, "quiet hours: in digest " + next + " until 2023-11-15T06:00:00.000Z");
  EXPECT_EQ(digest_state(next), jobs::State::kDelayed);
  EXPECT_EQ(email_count(), 0u);
  ASSERT_TRUE(emails_after(at("2023-11-15T06:00:00Z"), 1));
  EXPECT_TRUE(status_is(a, "sent"));
}

TEST_P(NotifyDigestTest, OptOutsStillSuppressAtSendAndWhenTheDigestGoesOut) {
  configure(R"([{"type":"activity","channels":["email"],"window":"1h"}])");
  Preferences out;
  out.types["activity"]["email"] = false;
  ASSERT_TRUE(service->set_preferences("u1", out));
  EXPECT_EQ(send("a").status, "suppressed");
  ASSERT_TRUE(service->set_preferences("u1", Preferences{}));
  auto b = send("b");
  ASSERT_EQ(b.status, "digested");
  ASSERT_TRUE(service->set_preferences("u1", out));  // opted out before the window closes
  clock.set_now_ms(at("2023-11-14T23:00:00Z"));
  ASSERT_TRUE(queue.tick());
  ASSERT_TRUE(status_is(b, "suppressed"));
  EXPECT_EQ(delivery(notification_of(b)).detail, "digest " + digest_of(b) + ": opted out of activity by email");
  EXPECT_EQ(email_count(), 0u);
}

TEST_P(NotifyDigestTest, AFailedDigestIsRetriedWithEveryDeliveryInIt) {
  configure(R"([{"type":"activity","channels":["email"],"window":"1h"}])");
  auto a = send("a");
  auto b = send("b");
  outbox.fail_next = 1;
  ASSERT_TRUE(emails_after(at("2023-11-14T23:00:00Z"), 1));
  for (auto& d : {a, b}) {
    ASSERT_TRUE(status_is(d, "sent"));
    auto now = delivery(notification_of(d));
    EXPECT_EQ(now.attempts, 2);
    std::vector<std::string> st;
    for (auto& t : now.timeline) st.push_back(t.status);
    EXPECT_EQ(st, (std::vector<std::string>{"digested", "sending", "retrying", "sending", "sent"}));
  }
  auto failed = log.read({"notification.failed", "", 0, 100, {}});
  EXPECT_EQ(failed->size(), 2u);
  std::lock_guard lock(outbox.mu);
  EXPECT_EQ(outbox.emails.size(), 1u);
  EXPECT_EQ(outbox.emails[0].text, "- a\n- b\n");
}

TEST_P(NotifyDigestTest, WithoutADigestTemplateTheDigestEndsDeadWithTheReason) {
  configure(R"([{"type":"activity","channels":["sms"],"window":"1h"}])");
  auto a = send("a", {"sms"});
  clock.set_now_ms(at("2023-11-14T23:00:00Z"));
  ASSERT_TRUE(queue.tick());
  ASSERT_TRUE(status_is(a, "dead"));
  EXPECT_EQ(delivery(notification_of(a)).detail,
            "digest " + digest_of(a) + ": no sms template for activity.digest");
}

TEST_P(NotifyDigestTest, ConcurrentSendsShareOneDigestAndOneMessage) {
  configure(R"([{"type":"activity","channels":["email"],"window":"15m"}])");
  std::mutex mu;
  std::set<std::string> digests_seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        auto n = service->send({"u1", "activity", R"({"what":"x"})", {"email"}, false, "", ""});
        ASSERT_TRUE(n.ok()) << n.status().to_string();
        std::lock_guard lock(mu);
        digests_seen.insert(digest_of(n->deliveries[0]));
      }
    });
  for (auto& t : threads) t.join();
  ASSERT_EQ(digests_seen.size(), 1u) << "one job per (user, type, channel, window end)";
  ASSERT_TRUE(emails_after(at("2023-11-14T22:15:00Z"), 1));
  std::lock_guard lock(outbox.mu);
  EXPECT_EQ(outbox.emails[0].subject, "20 updates");
}

TEST_P(NotifyDigestTest, APushDigestGoesToEveryDevice) {
  configure(R"([{"type":"activity","channels":["push"],"window":"1h"}])");
  put("activity", "push", "New", "{{what}}");
  put("activity.digest", "push", "{{count}} updates", "{{#items}}{{what}} {{/items}}");
  ASSERT_TRUE(service->add_device("u1", {"", "fcm", "fcm-token-1", "", "", 0}).ok());
  ASSERT_TRUE(service->add_device("u1", {"", "fcm", "fcm-token-2", "", "", 0}).ok());
  auto a = send("a", {"push"});
  auto b = send("b", {"push"});
  clock.set_now_ms(at("2023-11-14T23:00:00Z"));
  ASSERT_TRUE(queue.tick());
  ASSERT_TRUE(status_is(a, "sent"));
  ASSERT_TRUE(status_is(b, "sent"));
  std::lock_guard lock(outbox.mu);
  ASSERT_EQ(outbox.pushes.size(), 2u);
  EXPECT_EQ(outbox.pushes[0].title, "2 updates");
  EXPECT_EQ(outbox.pushes[0].body, "a b ");
  EXPECT_EQ(boost::json::parse(outbox.pushes[0].data).at("count").as_int64(), 2);
}

TEST(NotifyDigestConfig, BadEntriesNameTheField) {
  auto fields = [](const char* json) {
    std::vector<std::string> out;
    auto r = parse_digests(boost::json::parse(json));
    for (auto& f : r.status().fields()) out.push_back(f.field);
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(fields(R"([{"type":"a","channels":["email"],"window":"1h"},{"type":"b","channels":["sms"],"daily_at":"07:30"}])"),
            V{});
  EXPECT_EQ(fields(R"([{"channels":["fax"],"window":"1y"}])"), (V{"/0/type", "/0/channels/0", "/0/window"}));
  EXPECT_EQ(fields(R"([{"type":"a","channels":["in_app"],"daily_at":"25:00"}])"), (V{"/0/channels/0", "/0/daily_at"}));
  EXPECT_EQ(fields(R"([{"type":"a","channels":["email"]}])"), V{"/0/window"});
  EXPECT_EQ(fields(R"([{"type":"a","channels":["email"],"window":"30s"}])"), V{"/0/window"}) << "at least 1m";
  EXPECT_EQ(fields(R"([{"type":"a","channels":["email"],"window":"1h","daily_at":"09:00"}])"), V{"/0/daily_at"});
  EXPECT_EQ(fields(R"([{"type":"a","channels":["email"],"window":"1h"},{"type":"a","channels":["email"],"window":"2h"}])"),
            V{"/1/channels"});
  EXPECT_EQ(fields(R"({"type":"a"})"), V{"notify.digests"});
  Digest d{"a", {"email"}, 15 * 60'000, -1};
  EXPECT_EQ(format_rfc3339(*digest_due(d, at("2026-03-29T00:59:59Z"), "UTC")), "2026-03-29T01:00:00.000Z");
  EXPECT_EQ(format_rfc3339(*digest_due(d, at("2026-03-29T01:00:00Z"), "UTC")), "2026-03-29T01:15:00.000Z")
      << "a send at the boundary joins the next window";
  Digest gap{"a", {"email"}, 0, 2 * 60 + 30};  // 02:30 does not exist in Berlin on 2026-03-29
  EXPECT_EQ(format_rfc3339(*digest_due(gap, at("2026-03-28T12:00:00Z"), "Europe/Berlin")), "2026-03-29T01:00:00.000Z")
      << "03:00 CEST, right after the gap";
  EXPECT_EQ(format_rfc3339(*digest_due(gap, at("2026-10-24T12:00:00Z"), "Europe/Berlin")), "2026-10-25T00:30:00.000Z")
      << "the first 02:30 (CEST) of the repeated hour, once";
}

INSTANTIATE_TEST_SUITE_P(Engines, NotifyDigestTest, ::testing::ValuesIn(test::all_engines()), test::engine_name);

}  // namespace
}  // namespace sb::notify
