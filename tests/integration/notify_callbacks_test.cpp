// Provider status callbacks on both engines, with the real SendGrid, Mailgun
// and Twilio providers sending to local stand-ins (so the message id each
// delivery keeps is the one the provider's API answered) and callbacks
// signed the way each provider signs them: a sent delivery moves to
// delivered or bounced once, never back, and a bad, stale or replayed
// signature changes nothing.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "callback_signing.h"
#include "config/config.h"
#include "core/clock.h"
#include "eventually.h"
#include "events/event_log.h"
#include "http_standin.h"
#include "jobs/queue.h"
#include "notify/callbacks.h"
#include "notify/service.h"
#include "providers/messaging.h"
#include "temp_dir.h"
#include "test_databases.h"

namespace sb::notify {
namespace {

namespace bj = boost::json;

class NotifyCallbacksTest : public ::testing::TestWithParam<store::Engine> {
 protected:
  NotifyCallbacksTest()
      : db(test::open_test_db(GetParam())),
        log(*db, clock),
        queue(*db, log, clock),
        config(nullptr, nullptr),
        messaging(config, clock, nullptr, dir.path(), {.sleeper = [](Millis) {}}) {
    set("email.from", "Acme <no-reply@acme.example>");
    set("email.retry.max_attempts", 1);
    set("email.sendgrid.api_key", "SG.test");
    set("email.sendgrid.base_url", api.base_url());
    set("email.mailgun.api_key", "key-api");
    set("email.mailgun.domain", "mg.acme.example");
    set("email.mailgun.base_url", api.base_url());
    set("sms.from", "+15005550006");
    set("sms.twilio.account_sid", "AC0123456789");
    set("sms.twilio.auth_token", "tw-token");
    set("sms.twilio.base_url", api.base_url());
    Options opt;
    opt.max_attempts = 2;
    opt.backoff_ms = 0;
    opt.workers = 1;
    service = std::make_unique<Service>(
        *db, log, queue, messaging,
        [](const std::string& user) -> Result<Recipient> { return Recipient{user + "@example.com", "+4915112345678"}; },
        clock, opt);
    service->start();
    EXPECT_TRUE(service->put_template({"receipt", "email", "", "Your receipt", "Thanks", "", 0}));
    EXPECT_TRUE(service->put_template({"receipt", "sms", "", "", "Thanks", "", 0}));
    settings.sendgrid_verification_key = sendgrid_key.public_b64();
    settings.mailgun_signing_key = "mg-signing-key";
    settings.twilio_auth_token = "tw-token";
    settings.twilio_url = "https://sb.example.com/v1/notifications/callbacks/twilio";
  }
  ~NotifyCallbacksTest() override { service->stop(); }

  void set(const std::string& key, bj::value v) { ASSERT_TRUE(config.set(key, v, "test")); }
  void set(const std::string& key, const char* v) { set(key, bj::value(v)); }
  void set(const std::string& key, const std::string& v) { set(key, bj::value(v)); }
  void providers(const char* channel, const char* name) {
    set(std::string(channel) + ".providers", bj::array{name});
  }

  // Sends one notification on `channel`; returns its delivery once sent.
  Delivery sent(const std::string& channel) {
    auto n = service->send({"u1", "receipt", "{}", {channel}, false, "", ""});
    EXPECT_TRUE(n.ok()) << n.status().to_string();
    if (!n.ok()) return {};
    Delivery out;
    EXPECT_TRUE(test::eventually([&] {
      auto got = service->get(n->id);
      if (!got.ok() || got->deliveries.empty()) return false;
      out = got->deliveries[0];
      return out.status == "sent" || out.status == "dead";
    }));
    EXPECT_EQ(out.status, "sent") << out.detail;
    return out;
  }
  Delivery now(const Delivery& d) {
    auto all = service->list({"u1", "", "", "", 0, "", 100});
    for (auto& n : *all)
      for (auto& x : n.deliveries)
        if (x.id == d.id) return x;
    return {};
  }
  int events(const std::string& type) {
    auto r = log.read({type, "", 0, 1000, {}});
    return r.ok() ? static_cast<int>(r->size()) : -1;
  }
  std::string ts() const { return std::to_string(clock.now_ms() / 1000); }

  // SendGrid: a JSON array of events, ECDSA-signed over timestamp + body.
  Result<int> sendgrid(const std::string& body, const test::EcKey& key, const std::string& timestamp) {
    return sendgrid_callback(*service, settings, key.sign(timestamp + body), timestamp, body, clock.now_ms());
  }
  static std::string sg_event(const std::string& event, const std::string& x_message_id) {
    return R"({"email":"u1@example.com","event":")" + event + R"(","sg_message_id":")" + x_message_id +
           R"(.filter0425p1las1-27036-5BE0A6F4-47.0","reason":"550 5.1.1 <u1@example.com>: user unknown"})";
  }
  // Mailgun: the signature is in the body.
  std::string mailgun_body(const std::string& token, const std::string& timestamp, const std::string& event,
                           const std::string& message_id, const std::string& severity = "") {
    bj::object data{{"event", event}, {"message", bj::object{{"headers", bj::object{{"message-id", message_id}}}}}};
    if (!severity.empty()) {
      data["severity"] = severity;
      data["delivery-status"] = bj::object{{"code", 550}, {"description", "mailbox unavailable"}};
    }
    bj::object sig{{"timestamp", timestamp}, {"token", token},
                   {"signature", signatures::mailgun_signature(settings.mailgun_signing_key, timestamp, token)}};
    return bj::serialize(bj::object{{"signature", sig}, {"event-data", data}});
  }

  ManualClock clock{1'770'920'772'000};
  test::TempDir dir;
  test::HttpStandin api;
  test::TestDb db;
  events::EventLog log;
  jobs::Queue queue;
  config::ConfigService config;
  providers::Messaging messaging;
  std::unique_ptr<Service> service;
  test::EcKey sendgrid_key;
  CallbackSettings settings;
};

TEST_P(NotifyCallbacksTest, SendgridDeliveredMovesASentEmailOnceAndNeverBack) {
  providers("email", "sendgrid");
  api.enqueue({202, {{"X-Message-Id", "W86EgYT6SQKk0lRflfLRsA"}}, ""});
  Delivery d = sent("email");
  ASSERT_EQ(d.provider, "sendgrid");

  const std::string body = "[" + sg_event("processed", "W86EgYT6SQKk0lRflfLRsA") + "," +
                           sg_event("delivered", "W86EgYT6SQKk0lRflfLRsA") + "]";
  auto moved = sendgrid(body, sendgrid_key, ts());
  ASSERT_TRUE(moved.ok()) << moved.status().to_string();
  EXPECT_EQ(*moved, 1);
  Delivery after = now(d);
  EXPECT_EQ(after.status, "delivered");
  ASSERT_FALSE(after.timeline.empty());
  EXPECT_EQ(after.timeline.back().status, "delivered");
  EXPECT_EQ(after.timeline.back().provider, "sendgrid");
  EXPECT_EQ(after.timeline.back().detail, "status callback");
  EXPECT_EQ(events("notification.delivered"), 1);

  // The same callback again, and a bounce after delivery: nothing changes.
  EXPECT_EQ(*sendgrid(body, sendgrid_key, ts()), 0);
  EXPECT_EQ(*sendgrid("[" + sg_event("bounce", "W86EgYT6SQKk0lRflfLRsA") + "]", sendgrid_key, ts()), 0);
  EXPECT_EQ(now(d).timeline.size(), after.timeline.size());
  EXPECT_EQ(now(d).status, "delivered");
  EXPECT_EQ(events("notification.delivered"), 1);
  EXPECT_EQ(events("notification.bounced"), 0);
}

TEST_P(NotifyCallbacksTest, SendgridBounceWithAGoodSignatureOnlyAndCountsAsFailed) {
  providers("email", "sendgrid");
  api.enqueue({202, {{"X-Message-Id", "B0unce1d"}}, ""});
  Delivery d = sent("email");
  const std::string body = "[" + sg_event("bounce", "B0unce1d") + "]";

  test::EcKey other;
  auto wrong_key = sendgrid(body, other, ts());
  EXPECT_EQ(wrong_key.status().code(), Code::kUnauthenticated);
  std::string signature = sendgrid_key.sign(ts() + body);
  auto tampered = sendgrid_callback(*service, settings, signature, ts(), body + " ", clock.now_ms());
  EXPECT_EQ(tampered.status().code(), Code::kUnauthenticated);
  auto missing = sendgrid_callback(*service, settings, "", ts(), body, clock.now_ms());
  EXPECT_EQ(missing.status().code(), Code::kUnauthenticated);
  auto stale = sendgrid(body, sendgrid_key, std::to_string(clock.now_ms() / 1000 - 3600));
  EXPECT_EQ(stale.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(now(d).status, "sent");
  EXPECT_EQ(now(d).timeline.size(), d.timeline.size());

  // Verified, but for a message no delivery carries: answered, ignored.
  EXPECT_EQ(*sendgrid("[" + sg_event("delivered", "SomeoneElses") + "]", sendgrid_key, ts()), 0);

  CallbackSettings off = settings;
  off.sendgrid_verification_key.clear();
  EXPECT_EQ(sendgrid_callback(*service, off, signature, ts(), body, clock.now_ms()).status().code(),
            Code::kUnavailable);

  ASSERT_EQ(*sendgrid(body, sendgrid_key, ts()), 1);
  Delivery after = now(d);
  EXPECT_EQ(after.status, "bounced");
  EXPECT_EQ(after.detail, "550 5.1.1 <address> user unknown") << "no address in the timeline";
  EXPECT_EQ(events("notification.bounced"), 1);
  auto stats = service->stats(86'400'000);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->all.failed, 1);
  EXPECT_EQ(stats->all.sent, 0);
  auto listed = service->list({"", "bounced", "", "", 0, "", 10});
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
}

TEST_P(NotifyCallbacksTest, MailgunDeliveredBouncedAndReplaysRefused) {
  providers("email", "mailgun");
  api.enqueue({200, {}, R"({"id":"<20260203192638.000be97f99f8cea1@mg.acme.example>","message":"Queued."})"});
  api.enqueue({200, {}, R"({"id":"<20260203192639.111@mg.acme.example>","message":"Queued."})"});
  Delivery first = sent("email");
  Delivery second = sent("email");
  ASSERT_EQ(first.provider, "mailgun");

  std::string delivered = mailgun_body("tok-1", ts(), "delivered", "20260203192638.000be97f99f8cea1@mg.acme.example");
  ASSERT_EQ(*mailgun_callback(*service, settings, delivered, clock.now_ms()), 1);
  EXPECT_EQ(now(first).status, "delivered");
  auto replay = mailgun_callback(*service, settings, delivered, clock.now_ms());
  EXPECT_EQ(replay.status().code(), Code::kUnauthenticated) << "a token is good once";

  // A temporary failure is Mailgun retrying: still sent.
  std::string temporary = mailgun_body("tok-2", ts(), "failed", "20260203192639.111@mg.acme.example", "temporary");
  EXPECT_EQ(*mailgun_callback(*service, settings, temporary, clock.now_ms()), 0);
  EXPECT_EQ(now(second).status, "sent");

  std::string stale = mailgun_body("tok-3", std::to_string(clock.now_ms() / 1000 - 3600), "failed",
                                   "20260203192639.111@mg.acme.example", "permanent");
  EXPECT_EQ(mailgun_callback(*service, settings, stale, clock.now_ms()).status().code(), Code::kUnauthenticated);
  std::string forged = mailgun_body("tok-4", ts(), "failed", "20260203192639.111@mg.acme.example", "permanent");
  CallbackSettings other = settings;
  other.mailgun_signing_key = "another-key";
  EXPECT_EQ(mailgun_callback(*service, other, forged, clock.now_ms()).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(mailgun_callback(*service, settings, "{}", clock.now_ms()).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(now(second).status, "sent");

  std::string permanent = mailgun_body("tok-5", ts(), "failed", "20260203192639.111@mg.acme.example", "permanent");
  ASSERT_EQ(*mailgun_callback(*service, settings, permanent, clock.now_ms()), 1);
  EXPECT_EQ(now(second).status, "bounced");
  EXPECT_EQ(now(second).detail, "mailbox unavailable");
  EXPECT_EQ(events("notification.delivered"), 1);
  EXPECT_EQ(events("notification.bounced"), 1);
}

TEST_P(NotifyCallbacksTest, TwilioStatusCallbackSignedOverTheConfiguredUrl) {
  set("sms.twilio.status_callback", "https://sb.example.com/v1/notifications/callbacks/twilio");
  providers("sms", "twilio");
  api.enqueue({201, {}, R"({"sid":"SM0001","status":"queued"})"});
  api.enqueue({201, {}, R"({"sid":"SM0002","status":"queued"})"});
  Delivery first = sent("sms");
  Delivery second = sent("sms");
  ASSERT_EQ(first.provider, "twilio");
  ASSERT_FALSE(api.requests().empty());
  EXPECT_EQ(api.requests()[0].form_values("StatusCallback"),
            std::vector<std::string>{"https://sb.example.com/v1/notifications/callbacks/twilio"})
      << "Twilio is told where to post the status";

  signatures::Params delivered{{"MessageSid", "SM0001"}, {"MessageStatus", "delivered"}, {"AccountSid", "AC0123456789"},
                               {"To", "+4915112345678"}};
  std::string sig = signatures::twilio_signature("tw-token", settings.twilio_url, delivered);
  CallbackSettings elsewhere = settings;
  elsewhere.twilio_url = "https://other.example.com/v1/notifications/callbacks/twilio";
  EXPECT_EQ(twilio_callback(*service, elsewhere, sig, delivered).status().code(), Code::kUnauthenticated)
      << "the URL is signed";
  EXPECT_EQ(twilio_callback(*service, settings, "", delivered).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(now(first).status, "sent");

  ASSERT_EQ(*twilio_callback(*service, settings, sig, delivered), 1);
  EXPECT_EQ(now(first).status, "delivered");
  EXPECT_EQ(*twilio_callback(*service, settings, sig, delivered), 0) << "idempotent";

  signatures::Params undelivered{{"MessageSid", "SM0002"}, {"MessageStatus", "undelivered"}, {"ErrorCode", "30003"}};
  ASSERT_EQ(*twilio_callback(*service, settings,
                             signatures::twilio_signature("tw-token", settings.twilio_url, undelivered), undelivered),
            1);
  EXPECT_EQ(now(second).status, "bounced");
  EXPECT_EQ(now(second).detail, "twilio: undelivered (error 30003)");

  CallbackSettings off = settings;
  off.twilio_auth_token.clear();
  EXPECT_EQ(twilio_callback(*service, off, sig, delivered).status().code(), Code::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Engines, NotifyCallbacksTest, ::testing::ValuesIn(test::all_engines()), test::engine_name);

}  // namespace
}  // namespace sb::notify
