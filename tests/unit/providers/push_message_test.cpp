// The push channel's messages: validation and the JSON of POST
// /v1/messages/push name each bad field; the payload devices get; PushKind
// fills the TTL and refuses http:// endpoints unless configured; the console
// provider writes the outbox without the subscription's keys.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "config/config.h"
#include "providers/messaging.h"
#include "providers/push/push.h"
#include "temp_dir.h"

namespace sb::providers {
namespace {

namespace bj = boost::json;

// The RFC 8291 example's user agent.
constexpr const char* kP256dh =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr const char* kAuth = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr const char* kEndpoint = "https://push.example.net/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV";

std::map<std::string, std::string> fields_of(const Status& s) {
  std::map<std::string, std::string> out;
  for (const auto& f : s.fields()) out[f.field] = f.message;
  return out;
}

PushMessage valid_push() {
  PushMessage m;
  m.to = WebPushSubscription{kEndpoint, kP256dh, kAuth};
  m.title = "Order shipped";
  m.body = "Your parcel is on its way";
  return m;
}

TEST(PushValidation, AcceptsAValidMessage) { EXPECT_TRUE(validate_push(valid_push(), false)); }

TEST(PushValidation, NamesEveryBadField) {
  PushMessage m;
  m.to = WebPushSubscription{"http://push.example.net/x", kP256dh + std::string("AAAA"), "c2hvcnQ"};
  m.data = "[1]";
  m.ttl = -1;
  m.urgency = "urgent";
  m.topic = "has spaces";
  auto f = fields_of(validate_push(m, false));
  EXPECT_EQ(f["/to/endpoint"], "must be an https:// URL");
  EXPECT_EQ(f["/to/keys/p256dh"], "must be a 65-byte uncompressed P-256 public key");
  EXPECT_EQ(f["/to/keys/auth"], "must be 16 bytes");
  EXPECT_EQ(f["/data"], "must be a JSON object");
  EXPECT_EQ(f["/ttl"], "must be between 0 and 2419200 seconds");
  EXPECT_EQ(f["/urgency"], "must be very-low, low, normal or high");
  EXPECT_EQ(f["/topic"], "must be at most 32 characters of A-Z a-z 0-9 - _");
  EXPECT_EQ(f.count("/title"), 0u);  // data counts as content
}

TEST(PushValidation, KeysMustBeBase64urlAndAPointOnTheCurve) {
  PushMessage m = valid_push();
  std::string off_curve = kP256dh;
  off_curve[60] = off_curve[60] == 'A' ? 'B' : 'A';
  m.to = WebPushSubscription{kEndpoint, off_curve, "BTBZMqHH6r4Tts7J+aSIgg"};
  auto f = fields_of(validate_push(m, false));
  EXPECT_EQ(f["/to/keys/p256dh"], "must be a 65-byte uncompressed P-256 public key");
  EXPECT_EQ(f["/to/keys/auth"], "must be base64url");
  m.to = WebPushSubscription{};
  m.title.clear();
  m.body.clear();
  f = fields_of(validate_push(m, false));
  EXPECT_EQ(f["/to/endpoint"], "is required");
  EXPECT_EQ(f["/to/keys/p256dh"], "is required");
  EXPECT_EQ(f["/to/keys/auth"], "is required");
  EXPECT_EQ(f["/title"], "title, body or data is required");
}

TEST(PushValidation, HttpEndpointsOnlyWhenAllowedAndThePayloadMustFitOneRecord) {
  PushMessage m = valid_push();
  m.to = WebPushSubscription{"http://127.0.0.1:4000/push/1", kP256dh, kAuth};
  EXPECT_FALSE(validate_push(m, false));
  EXPECT_TRUE(validate_push(m, true));
  m.body = std::string(3993, 'x');
  EXPECT_EQ(fields_of(validate_push(m, true)).count("/body"), 1u);
}

TEST(PushParse, TakesTheBrowsersSubscriptionObjectAsIs) {
  auto m = parse_push(bj::parse(std::string(R"({"to":{"endpoint":")") + kEndpoint +
                                R"(","expirationTime":null,"keys":{"p256dh":")" + kP256dh + R"(","auth":")" +
                                kAuth + R"("}},"title":"Hi","data":{"url":"/orders/7"},"ttl":60,"urgency":"high","topic":"order-7"})"));
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  const auto& s = std::get<WebPushSubscription>(m->to);
  EXPECT_EQ(s.endpoint, kEndpoint);
  EXPECT_EQ(s.p256dh, kP256dh);
  EXPECT_EQ(s.auth, kAuth);
  EXPECT_EQ(m->ttl, 60);
  EXPECT_EQ(m->urgency, "high");
  EXPECT_EQ(m->topic, "order-7");
  EXPECT_EQ(bj::parse(push_payload(*m)), bj::parse(R"({"title":"Hi","data":{"url":"/orders/7"}})"));
}

TEST(PushParse, NamesWrongTypesAndBadSubscriptionFields) {
  auto bad = parse_push(bj::parse(R"({"to":{"endpoint":"ftp://x/y","keys":{"p256dh":5,"auth":"AAAA"},"extra":1},
                                      "title":"t","ttl":"60","data":"x","color":"red"})"));
  ASSERT_FALSE(bad.ok());
  auto f = fields_of(bad.status());
  EXPECT_EQ(f["/to/endpoint"], "must be an https:// or http:// URL");
  EXPECT_EQ(f["/to/keys/p256dh"], "must be a string");
  EXPECT_EQ(f["/to/keys/auth"], "must be 16 bytes");
  EXPECT_EQ(f["/to/extra"], "is not a known field");
  EXPECT_EQ(f["/ttl"], "must be an integer number of seconds");
  EXPECT_EQ(f["/data"], "must be a JSON object");
  EXPECT_EQ(f["/color"], "is not a known field");
  EXPECT_EQ(fields_of(parse_push(bj::parse(R"({"title":"t"})")).status())["/to"],
            "is required: a Web Push subscription {endpoint, keys: {p256dh, auth}}, {fcm: token} or "
            "{apns: token, topic, sandbox?}");
  EXPECT_EQ(fields_of(parse_push(bj::parse(R"({"to":"abc","title":"t"})")).status())["/to"],
            "must be a Web Push subscription {endpoint, keys: {p256dh, auth}}, {fcm: token} or "
            "{apns: token, topic, sandbox?}");
}

class PushChannel : public ::testing::Test {
 protected:
  PushChannel() : config_(nullptr, nullptr), messaging_(config_, Clock::system(), nullptr, dir_.path()) {}
  test::TempDir dir_;
  config::ConfigService config_;
  Messaging messaging_;
};

TEST_F(PushChannel, ConsoleIsTheDefaultAndWritesTheOutboxWithoutKeys) {
  EXPECT_EQ(messaging_.chain<PushKind>(), (std::vector<std::string>{"console"}));
  EXPECT_EQ(messaging_.providers<PushKind>(), (std::vector<std::string>{"apns", "console", "discard", "fcm", "webpush"}));
  PushMessage m = valid_push();
  m.data = R"({"order":7})";
  auto r = messaging_.send<PushKind>(m);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "console");
  std::ifstream in(dir_.path() + "/outbox/push.log");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  bj::object o = bj::parse(line).as_object();
  EXPECT_EQ(o.at("id").as_string(), r->message_id);
  EXPECT_EQ(o.at("to"), bj::parse(std::string(R"({"endpoint":")") + kEndpoint + "\"}"));
  EXPECT_EQ(o.at("payload"), bj::parse(R"({"title":"Order shipped","body":"Your parcel is on its way","data":{"order":7}})"));
  EXPECT_EQ(o.at("ttl"), 2419200);  // push.ttl
  EXPECT_EQ(line.find(kAuth), std::string::npos);
  EXPECT_EQ(line.find(kP256dh), std::string::npos);
}

TEST_F(PushChannel, PrepareUsesPushTtlAndRefusesHttpEndpointsUnlessAllowed) {
  ASSERT_TRUE(config_.set("push.ttl", bj::value(30), "test"));
  PushMessage m = valid_push();
  m.to = WebPushSubscription{"http://127.0.0.1:4000/push/1", kP256dh, kAuth};
  auto refused = messaging_.send<PushKind>(m);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().fields()[0].field, "/to/endpoint");
  ASSERT_TRUE(config_.set("push.allow_http_endpoints", bj::value(true), "test"));
  ASSERT_TRUE(messaging_.send<PushKind>(m).ok());
  std::ifstream in(dir_.path() + "/outbox/push.log");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(bj::parse(line).at("ttl"), 30);
}

TEST_F(PushChannel, WebpushNeedsItsKeyAndSubjectBeforeItCanBeChosen) {
  ASSERT_TRUE(config_.set("push.providers", bj::parse(R"(["webpush"])"), "test"));
  EXPECT_EQ(messaging_.chain<PushKind>(), (std::vector<std::string>{"console"}));
  EXPECT_EQ(messaging_.status<PushKind>().fields()[0].field, "push.webpush.vapid_private_key");
  // Refused at set time, and the refusal does not echo the secret.
  Status bad_key = config_.set("push.webpush.vapid_private_key", bj::value("not-a-key"), "test");
  ASSERT_FALSE(bad_key);
  EXPECT_EQ(bad_key.to_string().find("not-a-key"), std::string::npos);
  EXPECT_FALSE(config_.set("push.webpush.subject", bj::value("ops@example.com"), "test"));

  ASSERT_TRUE(config_.set("push.webpush.vapid_private_key",
                          bj::value("yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"), "test"));
  EXPECT_EQ(messaging_.status<PushKind>().fields()[0].field, "push.webpush.subject");
  ASSERT_TRUE(config_.set("push.webpush.subject", bj::value("mailto:ops@example.com"), "test"));
  EXPECT_EQ(messaging_.chain<PushKind>(), (std::vector<std::string>{"webpush"}));
}

// Load tests and staging: discard takes every kind of target, answers an id
// like a real provider's, and writes nothing anywhere.
TEST_F(PushChannel, DiscardAcceptsEveryKindAndWritesNothing) {
  ASSERT_TRUE(config_.set("push.providers", boost::json::array{"discard"}, "test"));
  PushMessage web = valid_push();
  PushMessage fcm = valid_push();
  fcm.to = FcmToken{"fcm-token-1"};
  for (auto& m : {web, fcm}) {
    auto r = messaging_.send<PushKind>(m);
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(r->provider, "discard");
    EXPECT_EQ(r->message_id.rfind("discard-", 0), 0u) << r->message_id;
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/outbox"));
}

}  // namespace
}  // namespace sb::providers
