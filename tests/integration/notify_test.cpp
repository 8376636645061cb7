// notify::Service on both engines, with the real job queue and Messaging
// (a capturing email/SMS provider registered like any other): templates,
// rendering and escaping, locales, opt-outs and critical sends, idempotency,
// retries through the queue, dead deliveries, the in-app inbox, WhatsApp
// through the meta provider against a stand-in of its API.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/clock.h"
#include "core/metrics.h"
#include "eventually.h"
#include "http_standin.h"
#include "events/event_log.h"
#include "jobs/queue.h"
#include "notify/rules.h"
#include "notify/service.h"
#include "providers/channel_kinds.h"
#include "providers/messaging.h"
#include "providers/push/push.h"
#include "temp_dir.h"
#include "test_databases.h"

namespace sb::notify {
namespace {

// What the capturing providers received, and how many sends to fail first.
struct Captured {
  std::mutex mu;
  std::vector<providers::EmailMessage> emails;
  std::vector<providers::SmsMessage> sms;
  std::atomic<int> fail_next{0};
  Status failure = Status::unavailable("provider down");
};

class CaptureEmail final : public providers::EmailSender {
 public:
  explicit CaptureEmail(Captured& c) : c_(c) {}
  Result<std::string> send(const providers::EmailMessage& m) override {
    if (c_.fail_next > 0) {
      --c_.fail_next;
      return c_.failure;
    }
    std::lock_guard lock(c_.mu);
    c_.emails.push_back(m);
    return std::string("cap-" + std::to_string(c_.emails.size()));
  }

 private:
  Captured& c_;
};

class CaptureSms final : public providers::SmsSender {
 public:
  explicit CaptureSms(Captured& c) : c_(c) {}
  Result<std::string> send(const providers::SmsMessage& m) override {
    std::lock_guard lock(c_.mu);
    c_.sms.push_back(m);
    return std::string("cap-sms");
  }

 private:
  Captured& c_;
};

class CapturePush final : public providers::PushSender {
 public:
  explicit CapturePush(std::vector<providers::PushMessage>& out, std::mutex& mu) : out_(out), mu_(mu) {}
  Result<std::string> send(const providers::PushMessage& m) override {
    if (const auto* sub = std::get_if<providers::WebPushSubscription>(&m.to);
        sub && sub->endpoint.find("gone") != std::string::npos)
      return Status::not_found("subscription gone");
    std::lock_guard lock(mu_);
    out_.push_back(m);
    return std::string("push-1");
  }

 private:
  std::vector<providers::PushMessage>& out_;
  std::mutex& mu_;
};

class NotifyTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  NotifyTest()
      : db(test::open_test_db(GetParam())),
        log(*db, clock),
        queue(*db, log, clock),
        config(nullptr, nullptr),
        messaging(config, clock, nullptr, dir.path(), {.sleeper = [](Millis) {}}) {
    EXPECT_TRUE(messaging.registry<providers::EmailKind>().add(
        {"capture", "test", {}, [this](const config::ConfigService&) -> Result<std::unique_ptr<providers::EmailSender>> {
           return std::unique_ptr<providers::EmailSender>(new CaptureEmail(captured));
         }}));
    EXPECT_TRUE(messaging.registry<providers::SmsKind>().add(
        {"capture", "test", {}, [this](const config::ConfigService&) -> Result<std::unique_ptr<providers::SmsSender>> {
           return std::unique_ptr<providers::SmsSender>(new CaptureSms(captured));
         }}));
    EXPECT_TRUE(messaging.registry<providers::PushKind>().add(
        {"capture", "test", {}, [this](const config::ConfigService&) -> Result<std::unique_ptr<providers::PushSender>> {
           return std::unique_ptr<providers::PushSender>(new CapturePush(pushes, captured.mu));
         }}));
    EXPECT_TRUE(config.set("push.providers", boost::json::array{"capture"}, "test"));
    EXPECT_TRUE(config.set("email.providers", boost::json::array{"capture"}, "test"));
    EXPECT_TRUE(config.set("sms.providers", boost::json::array{"capture"}, "test"));
    // One call per attempt and no breaker: the retries under test are the queue's.
    EXPECT_TRUE(config.set("email.retry.max_attempts", boost::json::value(1), "test"));
    EXPECT_TRUE(config.set("email.breaker.min_calls", boost::json::value(1000), "test"));
    EXPECT_TRUE(config.set("email.from", boost::json::value("Acme <no-reply@acme.example>"), "test"));
    Options opt;
    opt.max_attempts = 3;
    opt.backoff_ms = 0;  // retried at once: the queue's backoff is tested on its own
    opt.workers = 2;
    opt.caps = [this] {
      std::lock_guard lock(caps_mu);
      return caps;
    };
    service = std::make_unique<Service>(
        *db, log, queue, messaging,
        [](const std::string& user) -> Result<Recipient> {
          if (user == "u-nomail") return Recipient{"", "+4915112345678"};
          return Recipient{user + "@example.com", "+4915112345678"};
        },
        clock, opt, &metrics);
    service->start();
  }
  ~NotifyTest() override { service->stop(); }

  // sb_notify_deliveries_total for one channel, provider and status.
  double delivered_count(const std::string& channel, const std::string& provider, const std::string& outcome) {
    return metrics
        .counter("sb_notify_deliveries_total", "", {{"channel", channel}, {"provider", provider}, {"outcome", outcome}})
        .value();
  }

  void put(std::string type, std::string channel, std::string locale, std::string subject, std::string body,
           std::string html = "") {
    Status s = service->put_template({type, channel, locale, subject, body, html, 0});
    ASSERT_TRUE(s) << s.to_string();
  }
  // Waits (bounded) until every delivery of `id` left queued/sending/retrying.
  Notification settled(const std::string& id) {
    Notification out;
    EXPECT_TRUE(test::eventually([&] {
      auto n = service->get(id);
      if (!n.ok()) return false;
      out = *n;
      for (auto& d : n->deliveries)
        if (d.status == "queued" || d.status == "sending" || d.status == "retrying") return false;
      return true;
    })) << "deliveries did not settle";
    return out;
  }
  std::vector<std::string> statuses(const Delivery& d) {
    std::vector<std::string> out;
    for (auto& t : d.timeline) out.push_back(t.status);
    return out;
  }
  int count_events(const std::string& type) {
    auto r = log.read({type, "", 0, 1000, {}});
    return r.ok() ? static_cast<int>(r->size()) : -1;
  }

  ManualClock clock;
  test::TempDir dir;
  test::TestDb db;
  events::EventLog log;
  jobs::Queue queue;
  config::ConfigService config;
  providers::Messaging messaging;
  std::mutex caps_mu;
  std::vector<Cap> caps;  // guarded by caps_mu
  Captured captured;
  std::vector<providers::PushMessage> pushes;  // guarded by captured.mu
  metrics::Registry metrics;
  std::unique_ptr<Service> service;
};

TEST_P(NotifyTest, SendsAnEmailRenderedFromItsTemplateAndTracksIt) {
  put("order.shipped", "email", "en", "Order {{order}} shipped", "Hi {{name}}, it ships via {{carrier}}.",
      "<p>Hi {{name}}</p>");
  auto n = service->send({"u1", "order.shipped", R"({"order":"A-17","name":"Ada <3","carrier":"DHL"})", {}, false, "",
                          ""});
  ASSERT_TRUE(n.ok()) << n.status().to_string();
  ASSERT_EQ(n->deliveries.size(), 1u);
  EXPECT_EQ(n->deliveries[0].status, "queued");
  auto done = settled(n->id);
  EXPECT_EQ(done.deliveries[0].status, "sent");
  EXPECT_EQ(done.deliveries[0].provider, "capture");
  EXPECT_EQ(statuses(done.deliveries[0]), (std::vector<std::string>{"queued", "sending", "sent"}));
  std::lock_guard lock(captured.mu);
  ASSERT_EQ(captured.emails.size(), 1u);
  EXPECT_EQ(captured.emails[0].to, std::vector<std::string>{"u1@example.com"});
  EXPECT_EQ(captured.emails[0].subject, "Order A-17 shipped");
  EXPECT_EQ(captured.emails[0].text, "Hi Ada <3, it ships via DHL.") << "plain parts are not HTML-escaped";
  EXPECT_EQ(captured.emails[0].html, "<p>Hi Ada &lt;3</p>") << "values in HTML are";
  EXPECT_EQ(count_events("notification.sent"), 1);
}

TEST_P(NotifyTest, PicksTheUsersLocaleThenItsLanguageThenTheDefault) {
  put("hello", "sms", "en", "", "Hello");
  put("hello", "sms", "de", "", "Hallo");
  auto de_at = service->send({"u1", "hello", "{}", {}, false, "", "de-AT"});
  auto fr = service->send({"u2", "hello", "{}", {}, false, "", "fr"});
  ASSERT_TRUE(de_at.ok() && fr.ok());
  settled(de_at->id);
  settled(fr->id);
  std::lock_guard lock(captured.mu);
  ASSERT_EQ(captured.sms.size(), 2u);
  std::multiset<std::string> bodies{captured.sms[0].body, captured.sms[1].body};
  EXPECT_EQ(bodies, (std::multiset<std::string>{"Hallo", "Hello"}));
}

TEST_P(NotifyTest, OptedOutChannelsAreSuppressedUnlessCritical) {
  put("promo", "email", "", "Sale", "Sale now");
  put("promo", "sms", "", "", "Sale now");
  Preferences p;
  p.types["promo"]["sms"] = false;
  ASSERT_TRUE(service->set_preferences("u1", p));
  auto n = service->send({"u1", "promo", "{}", {}, false, "", ""});
  ASSERT_TRUE(n.ok());
  auto done = settled(n->id);
  std::map<std::string, std::string> by_channel;
  for (auto& d : done.deliveries) by_channel[d.channel] = d.status;
  EXPECT_EQ(by_channel["sms"], "suppressed");
  EXPECT_EQ(by_channel["email"], "sent");
  for (auto& d : done.deliveries) {
    if (d.channel == "sms") {
      EXPECT_EQ(d.detail, "opted out of promo by sms");
    }
  }
  auto critical = service->send({"u1", "promo", "{}", {"sms"}, true, "", ""});
  ASSERT_TRUE(critical.ok());
  EXPECT_EQ(settled(critical->id).deliveries[0].status, "sent") << "critical sends bypass opt-outs";
  EXPECT_EQ(service->preferences("u1")->types["promo"]["sms"], false);
  EXPECT_EQ(delivered_count("sms", "", "suppressed"), 1);
}

TEST_P(NotifyTest, AnIdempotencyKeyRepeatReturnsTheFirstNotification) {
  put("otp", "sms", "", "", "Code {{code}}");
  auto a = service->send({"u1", "otp", R"({"code":"1"})", {}, true, "login-77", ""});
  auto b = service->send({"u1", "otp", R"({"code":"2"})", {}, true, "login-77", ""});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->id, b->id);
  EXPECT_TRUE(b->duplicate);
  settled(a->id);
  std::lock_guard lock(captured.mu);
  EXPECT_EQ(captured.sms.size(), 1u);
}

TEST_P(NotifyTest, RetriesThroughTheQueueThenSendsOrEndsDead) {
  put("alert", "email", "", "Alert", "Something happened");
  captured.fail_next = 2;
  auto n = service->send({"u1", "alert", "{}", {}, false, "", ""});
  ASSERT_TRUE(n.ok());
  auto done = settled(n->id);
  EXPECT_EQ(done.deliveries[0].status, "sent");
  EXPECT_EQ(done.deliveries[0].attempts, 3);
  auto st = statuses(done.deliveries[0]);
  EXPECT_EQ(std::count(st.begin(), st.end(), "retrying"), 2);
  EXPECT_EQ(count_events("notification.failed"), 2);

  captured.fail_next = 100;
  auto lost = service->send({"u2", "alert", "{}", {}, false, "", ""});
  ASSERT_TRUE(lost.ok());
  auto dead = settled(lost->id);
  EXPECT_EQ(dead.deliveries[0].status, "dead");
  EXPECT_NE(dead.deliveries[0].detail.find("provider down"), std::string::npos) << dead.deliveries[0].detail;
  EXPECT_EQ(count_events("notification.dead"), 1) << "never silently gone";
  EXPECT_EQ(delivered_count("email", "", "retrying"), 2 + 2) << "two per send: the 1st attempts, then the 2nd";
  EXPECT_EQ(delivered_count("email", "", "dead"), 1);
  EXPECT_EQ(delivered_count("email", "capture", "sent"), 1);
  // Needs attention: the dead one, found through the attention index.
  auto dead_list = service->list({"", "dead", "", "", 0, "", 10});
  ASSERT_TRUE(dead_list.ok()) << dead_list.status().to_string();
  ASSERT_EQ(dead_list->size(), 1u);
  EXPECT_EQ((*dead_list)[0].id, lost->id);
  EXPECT_EQ(service->list({"", "dead", "email", "", 0, "", 10})->size(), 1u);
  EXPECT_TRUE(service->list({"", "dead", "sms", "", 0, "", 10})->empty()) << "the channel narrows it";
  EXPECT_TRUE(service->list({"u1", "dead", "", "", 0, "", 10})->empty()) << "and the user";
  captured.fail_next = 0;
  auto again = service->retry(lost->id);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(settled(lost->id).deliveries[0].status, "sent") << "a dead delivery retried by hand";
  EXPECT_EQ(service->retry(lost->id).status().code(), Code::kConflict) << "nothing dead any more";
}

TEST_P(NotifyTest, InAppGoesToTheUsersInbox) {
  put("comment", "in_app", "", "New comment", "{{who}} replied");
  auto n = service->send({"u1", "comment", R"({"who":"Bob"})", {}, false, "", ""});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(settled(n->id).deliveries[0].status, "delivered");
  auto inbox = service->inbox("u1", 10);
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->size(), 1u);
  EXPECT_EQ((*inbox)[0].title, "New comment");
  EXPECT_EQ((*inbox)[0].body, "Bob replied");
  EXPECT_EQ(*service->unread("u1"), 1);
  ASSERT_TRUE(service->mark_read("u1", (*inbox)[0].id));
  EXPECT_EQ(*service->unread("u1"), 0);
  EXPECT_EQ(service->mark_read("u2", (*inbox)[0].id).code(), Code::kNotFound) << "another user's item";
  EXPECT_TRUE(service->inbox("u2", 10)->empty());
}

TEST_P(NotifyTest, PushGoesToEveryDeviceAndAGoneOneIsRemoved) {
  put("ping", "push", "", "Ping", "{{who}} pinged you");
  auto none = service->send({"u1", "ping", R"({"who":"Bob"})", {}, false, "", ""});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(settled(none->id).deliveries[0].detail, "the user has no push devices");
  const std::string key = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
  ASSERT_TRUE(service->add_device("u1", {"", "webpush", "https://push.example/ok", key, "BTBZMqHH6r4Tts7J_aSIgg", 0}).ok());
  ASSERT_TRUE(service->add_device("u1", {"", "webpush", "https://push.example/gone", key, "BTBZMqHH6r4Tts7J_aSIgg", 0}).ok());
  ASSERT_EQ(service->devices("u1")->size(), 2u);
  auto n = service->send({"u1", "ping", R"({"who":"Bob"})", {}, false, "", ""});
  ASSERT_TRUE(n.ok());
  auto done = settled(n->id);
  EXPECT_EQ(done.deliveries[0].status, "sent");
  EXPECT_EQ(done.deliveries[0].provider, "capture");
  {
    std::lock_guard lock(captured.mu);
    ASSERT_EQ(pushes.size(), 1u);
    EXPECT_EQ(pushes[0].title, "Ping");
    EXPECT_EQ(pushes[0].body, "Bob pinged you");
    EXPECT_EQ(pushes[0].data, R"({"who":"Bob"})");
  }
  auto left = service->devices("u1");
  ASSERT_EQ(left->size(), 1u) << "the push service said the other is gone";
  EXPECT_EQ((*left)[0].endpoint, "https://push.example/ok");

  // FCM and APNs devices of the same user get it too, each as its own target kind.
  notify::Device fcm{"", "fcm", "fcm-token-1", "", "", 0};
  notify::Device apns{"", "apns", std::string(64, 'a'), "", "", 0, "com.example.app", true};
  ASSERT_TRUE(service->add_device("u1", fcm).ok());
  ASSERT_TRUE(service->add_device("u1", apns).ok());
  auto again = service->send({"u1", "ping", R"({"who":"Ann"})", {}, false, "", ""});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(settled(again->id).deliveries[0].status, "sent");
  std::lock_guard lock(captured.mu);
  ASSERT_EQ(pushes.size(), 4u);
  int fcms = 0, apnss = 0;
  for (auto& p : pushes) {
    if (auto* f = std::get_if<providers::FcmToken>(&p.to)) fcms += f->token == "fcm-token-1";
    if (auto* a = std::get_if<providers::ApnsToken>(&p.to)) apnss += a->topic == "com.example.app" && a->sandbox;
  }
  EXPECT_EQ(fcms, 1);
  EXPECT_EQ(apnss, 1);
}

TEST_P(NotifyTest, QuietHoursDeferUntilTheWindowEndsInTheUsersTimeZone) {
  put("digest", "sms", "", "", "Your digest");
  Preferences p;
  p.quiet_hours = QuietHours{22 * 60, 7 * 60, "Europe/Berlin"};
  ASSERT_TRUE(service->set_preferences("u1", p));
  // 2023-11-14T22:13:20Z is 23:13 in Berlin (CET): inside 22:00-07:00.
  ASSERT_EQ(clock.now_ms(), 1'700'000'000'000);
  auto n = service->send({"u1", "digest", "{}", {}, false, "", ""});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->deliveries[0].status, "deferred");
  EXPECT_EQ(n->deliveries[0].detail, "quiet hours until 2023-11-15T06:00:00.000Z") << "07:00 CET";
  auto urgent = service->send({"u1", "digest", "{}", {}, true, "", ""});
  ASSERT_TRUE(urgent.ok());
  EXPECT_EQ(settled(urgent->id).deliveries[0].status, "sent") << "critical sends ignore quiet hours";
  int64_t until = 0;
  ASSERT_TRUE(parse_rfc3339("2023-11-15T06:00:00Z", until));
  clock.set_now_ms(until);
  ASSERT_TRUE(queue.tick());
  EXPECT_TRUE(test::eventually([&] { return service->get(n->id)->deliveries[0].status == "sent"; }))
      << "sent once the window ended";
  auto q = service->preferences("u1");
  ASSERT_TRUE(q->quiet_hours.has_value());
  EXPECT_EQ(q->quiet_hours->time_zone, "Europe/Berlin");
  Preferences bad;
  bad.quiet_hours = QuietHours{0, 60, "Mars/Olympus"};
  EXPECT_EQ(service->set_preferences("u1", bad).fields().front().field, "/quiet_hours/time_zone");
}

// The two small grammars the notification config and API share.
TEST(NotifyParsing, DurationsAndTimesOfDay) {
  EXPECT_EQ(parse_duration_ms("90s"), 90'000);
  EXPECT_EQ(parse_duration_ms("30m"), 1'800'000);
  EXPECT_EQ(parse_duration_ms("24h"), 86'400'000);
  EXPECT_EQ(parse_duration_ms("7d"), 7 * 86'400'000LL);
  EXPECT_EQ(parse_duration_ms("1500"), 1500) << "plain milliseconds";
  for (const char* bad : {"", "h", "-1h", "1.5h", "1w", "10 m"}) EXPECT_EQ(parse_duration_ms(bad), 0) << bad;
  EXPECT_EQ(parse_time_of_day("00:00"), 0);
  EXPECT_EQ(parse_time_of_day("22:30"), 22 * 60 + 30);
  for (const char* bad : {"24:00", "7:00", "07:60", "07-00", "aa:bb"}) EXPECT_EQ(parse_time_of_day(bad), -1) << bad;
}

TEST(NotifyQuietHours, WindowsCrossMidnightAndFollowDaylightSaving) {
  int64_t t = 0;
  QuietHours q{22 * 60, 7 * 60, "Europe/Berlin"};
  ASSERT_TRUE(parse_rfc3339("2026-07-01T12:00:00Z", t));  // 14:00 CEST: outside
  EXPECT_FALSE(quiet_until(q, t)->has_value());
  ASSERT_TRUE(parse_rfc3339("2026-07-01T21:30:00Z", t));  // 23:30 CEST: inside, ends 07:00 CEST = 05:00Z
  EXPECT_EQ(format_rfc3339(**quiet_until(q, t)), "2026-07-02T05:00:00.000Z");
  ASSERT_TRUE(parse_rfc3339("2026-03-28T23:30:00Z", t));  // 00:30 CET the night the clocks go forward
  EXPECT_EQ(format_rfc3339(**quiet_until(q, t)), "2026-03-29T05:00:00.000Z") << "07:00 is CEST by then";
  EXPECT_FALSE(quiet_until({8 * 60, 8 * 60, "UTC"}, t)->has_value()) << "start == end: no window";
}

TEST_P(NotifyTest, FrequencyCapsDeferOrDropPastTheLimit) {
  put("promo", "sms", "", "", "Sale");
  put("otp", "sms", "", "", "Code");
  {
    std::lock_guard lock(caps_mu);
    caps = {{"sms", "promo", 2, 60'000, false}, {"sms", "*", 3, 60'000, true}};
  }
  std::vector<std::string> st;
  std::string deferred_detail;
  for (int i = 0; i < 3; ++i) {
    auto n = service->send({"u1", "promo", "{}", {}, false, "", ""});
    ASSERT_TRUE(n.ok());
    st.push_back(n->deliveries[0].status);
    if (i == 2) deferred_detail = n->deliveries[0].detail;
    clock.advance(std::chrono::milliseconds(1000));
  }
  EXPECT_EQ(st, (std::vector<std::string>{"queued", "queued", "deferred"})) << "2 promos a minute, the 3rd waits";
  EXPECT_EQ(deferred_detail, "frequency cap: 2 sms per 60 s until " + format_rfc3339(1'700'000'000'000 + 60'001));
  auto fourth = service->send({"u1", "otp", "{}", {}, false, "", ""});
  EXPECT_EQ(fourth->deliveries[0].status, "suppressed") << "3 sms of any type a minute, then dropped";
  EXPECT_EQ(fourth->deliveries[0].detail, "frequency cap: 3 sms per 60 s");
  auto critical = service->send({"u1", "otp", "{}", {}, true, "", ""});
  EXPECT_EQ(critical->deliveries[0].status, "queued") << "critical sends are not capped";
  EXPECT_EQ(service->send({"u2", "promo", "{}", {}, false, "", ""})->deliveries[0].status, "queued") << "per user";
  EXPECT_EQ(parse_caps(boost::json::parse(R"([{"channel":"fax","max":0}])")).status().fields().size(), 3u);
}

// WhatsApp through the real meta provider against a stand-in of Meta's
// Cloud API: the notify template's subject names the approved template, its
// locale is the template's language, the rendered body is its parameter;
// a template without a subject sends free-form text. A rate-limit answer is
// retried within the attempt.
TEST_P(NotifyTest, WhatsAppReachesTheCloudApiAsTheProvidersTemplateInTheLocalesLanguage) {
  test::HttpStandin meta;
  meta.set_default({.status = 200, .body = R"({"messaging_product":"whatsapp","messages":[{"id":"wamid.HBg1"}]})"});
  meta.enqueue({.status = 400, .body = R"({"error":{"message":"(#130429) Rate limit hit","code":130429}})"});
  ASSERT_TRUE(config.set("whatsapp.meta.access_token", boost::json::value("EAAG-token"), "test"));
  ASSERT_TRUE(config.set("whatsapp.meta.phone_number_id", boost::json::value("106540352242922"), "test"));
  ASSERT_TRUE(config.set("whatsapp.meta.base_url", boost::json::value(meta.base_url()), "test"));
  ASSERT_TRUE(config.set("whatsapp.providers", boost::json::array{"meta"}, "test"));
  put("order.shipped", "whatsapp", "de", "order_shipped", "{{order}}");
  put("order.shipped", "whatsapp", "", "", "Order {{order}} shipped");

  auto de = service->send({"u1", "order.shipped", R"({"order":"A-17"})", {}, false, "", "de-AT"});
  ASSERT_TRUE(de.ok()) << de.status().to_string();
  ASSERT_EQ(de->deliveries.size(), 1u);
  EXPECT_EQ(de->deliveries[0].channel, "whatsapp");
  auto done = settled(de->id);
  EXPECT_EQ(done.deliveries[0].status, "sent") << done.deliveries[0].detail;
  EXPECT_EQ(done.deliveries[0].provider, "meta");
  auto reqs = meta.requests();
  ASSERT_EQ(reqs.size(), 2u) << "the rate-limited call, then the one that went through";
  for (auto& req : reqs) {
    EXPECT_EQ(req.target, "/v23.0/106540352242922/messages");
    EXPECT_EQ(req.header("Authorization"), "Bearer EAAG-token");
    EXPECT_EQ(boost::json::parse(req.body), boost::json::parse(R"({"messaging_product":"whatsapp",
        "to":"4915112345678","type":"template","template":{"name":"order_shipped","language":{"code":"de"},
        "components":[{"type":"body","parameters":[{"type":"text","text":"A-17"}]}]}})"));
  }

  auto fr = service->send({"u2", "order.shipped", R"({"order":"B-2"})", {"whatsapp"}, false, "", "fr"});
  ASSERT_TRUE(fr.ok()) << fr.status().to_string();
  EXPECT_EQ(settled(fr->id).deliveries[0].status, "sent");
  ASSERT_EQ(meta.request_count(), 3u);
  EXPECT_EQ(boost::json::parse(meta.requests()[2].body),
            boost::json::parse(R"({"messaging_product":"whatsapp","to":"4915112345678","type":"text",
                                   "text":{"body":"Order B-2 shipped"}})"));

  // A literal template name is checked when saved; a named template needs no body.
  auto bad = service->put_template({"x", "whatsapp", "", "order shipped", "hi", "", 0});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.fields().at(0).field, "/subject");
  EXPECT_TRUE(service->put_template({"x", "whatsapp", "", "hello_world", "", "", 0}));
}

TEST_P(NotifyTest, AUserWithoutAnAddressIsSuppressedWithTheReason) {
  put("news", "email", "", "News", "Hi");
  auto n = service->send({"u-nomail", "news", "{}", {}, false, "", ""});
  ASSERT_TRUE(n.ok());
  auto done = settled(n->id);
  EXPECT_EQ(done.deliveries[0].status, "suppressed");
  EXPECT_EQ(done.deliveries[0].detail, "the user has no email address");
}

TEST_P(NotifyTest, BadInputNamesTheField) {
  EXPECT_EQ(service->put_template({"x", "email", "", "Hi", "{{#open}} never closed", "", 0}).fields().front().field,
            "/body");
  EXPECT_EQ(service->put_template({"x", "fax", "", "Hi", "body", "", 0}).fields().front().field, "channel");
  EXPECT_EQ(service->put_template({"x", "email", "", "", "body", "", 0}).fields().front().field, "/subject");
  EXPECT_EQ(service->send({"u1", "nothing", "{}", {}, false, "", ""}).status().fields().front().field, "/type");
  put("only.sms", "sms", "", "", "hi");
  EXPECT_EQ(service->send({"u1", "only.sms", "{}", {"email"}, false, "", ""}).status().fields().front().field,
            "/channels/0");
  EXPECT_EQ(service->send({"u1", "only.sms", "[1]", {}, false, "", ""}).status().fields().front().field, "/data");
  EXPECT_EQ(service->get("missing").status().code(), Code::kNotFound);
}

events::Event event(const std::string& id, const std::string& type, const std::string& data) {
  events::Event e;
  e.id = id;
  e.source = "/shop";
  e.type = type;
  e.data_json = data;
  return e;
}

TEST_P(NotifyTest, EventRulesTurnAppendedEventsIntoNotificationsOnce) {
  put("welcome", "email", "", "Welcome {{name}}", "Hi {{name}}");
  auto rules = parse_rules(boost::json::parse(R"([{"on":"user.registered","type":"welcome","channels":["email"]}])"));
  ASSERT_TRUE(rules.ok()) << rules.status().to_string();
  ASSERT_TRUE(log.publish({event("before", "user.registered", R"({"user_id":"u-old","name":"Old"})")}).ok());
  auto current = [&] { return *rules; };
  EXPECT_EQ(*service->apply_rules(current, "instance-a"), 0) << "the first run starts at the head, not in history";
  ASSERT_TRUE(log.publish({event("e1", "user.registered", R"({"user_id":"u9","name":"Zoe"})"),
                           event("e2", "order.created", R"({"user_id":"u9"})"),
                           event("e3", "user.registered", R"({"name":"no user"})")})
                  .ok());
  EXPECT_EQ(*service->apply_rules(current, "instance-b"), 0) << "another instance holds the rules lease";
  EXPECT_EQ(*service->apply_rules(current, "instance-a"), 2) << "the two matching events";
  EXPECT_EQ(*service->apply_rules(current, "instance-a"), 0) << "the cursor moved with the sends";
  // With no rules the cursor follows the head: a rule added later does not
  // reach back to events from before it.
  ASSERT_TRUE(log.publish({event("e4", "user.registered", R"({"user_id":"u10","name":"Ann"})")}).ok());
  EXPECT_EQ(*service->apply_rules([] { return std::vector<Rule>{}; }, "instance-a"), 0);
  EXPECT_EQ(*service->apply_rules(current, "instance-a"), 0);
  ASSERT_TRUE(test::eventually([&] {
    std::lock_guard lock(captured.mu);
    return captured.emails.size() >= 1;
  }));
  std::lock_guard lock(captured.mu);
  ASSERT_EQ(captured.emails.size(), 1u) << "one welcome, for the event with a user";
  EXPECT_EQ(captured.emails[0].to, std::vector<std::string>{"u9@example.com"});
  EXPECT_EQ(captured.emails[0].subject, "Welcome Zoe");
}

TEST(NotifyRules, MalformedRulesNameTheField) {
  auto bad = parse_rules(boost::json::parse(R"([{"on":"user.registered"},{"on":"x","type":"t","user":"data.id"}])"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().fields()[0].field, "/0/type");
  EXPECT_EQ(bad.status().fields()[1].field, "/1/user");
  boost::json::value env = boost::json::parse(R"({"data":{"user":{"id":"u1"}}})");
  ASSERT_NE(at_path(env, "$.data.user.id"), nullptr);
  EXPECT_EQ(at_path(env, "$.data.user.id")->as_string(), "u1");
  EXPECT_EQ(at_path(env, "$.data.missing"), nullptr);
}

INSTANTIATE_TEST_SUITE_P(Engines, NotifyTest, ::testing::ValuesIn(test::all_engines()), test::engine_name);

}  // namespace
}  // namespace sb::notify
