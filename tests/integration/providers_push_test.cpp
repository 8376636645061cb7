// push.webpush against a local stand-in for a push service: the request is
// checked the way a push service and a browser would check it — the VAPID
// header's format and ES256 signature under the `k=` key, its claims, the
// TTL / Content-Encoding / Urgency / Topic headers — and the body is
// decrypted with the subscription's private key by the test's own RFC 8291
// receiver. Then the answer mapping: 201 sent, 404/410 "subscription gone"
// (NotFound, no retry, no failover), 429/5xx retried, other 4xx not.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/config.h"
#include "core/crypto.h"
#include "http_standin.h"
#include "providers/messaging.h"
#include "temp_dir.h"
#include "web_push_receiver.h"

namespace sb::providers {
namespace {

namespace bj = boost::json;
namespace rx = test::webpush_receiver;

// The RFC 8291 example's keys: the user agent's pair and auth secret stand
// for a browser's subscription; the application server's pair is our VAPID key.
constexpr const char* kUaPublic =
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4";
constexpr const char* kUaPrivate = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94";
constexpr const char* kAuth = "BTBZMqHH6r4Tts7J_aSIgg";
constexpr const char* kVapidPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr const char* kVapidPublic =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";

class WebPushTest : public ::testing::Test {
 protected:
  WebPushTest()
      : config_(nullptr, nullptr),
        messaging_(config_, Clock::system(), nullptr, dir_.path(), {.sleeper = [](Millis) {}}) {}

  void SetUp() override {
    set("push.allow_http_endpoints", bj::value(true));  // the stand-in speaks plain HTTP
    set("push.webpush.vapid_private_key", bj::value(kVapidPrivate));
    set("push.webpush.subject", bj::value("mailto:ops@acme.example"));
    set("push.providers", bj::parse(R"(["webpush"])"));
    ASSERT_EQ(messaging_.chain<PushKind>(), (std::vector<std::string>{"webpush"}));
  }
  void set(const std::string& key, bj::value v) {
    Status s = config_.set(key, v, "test");
    ASSERT_TRUE(s) << s.to_string();
  }
  PushMessage message() {
    PushMessage m;
    m.to = WebPushSubscription{api_.base_url() + "/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV", kUaPublic, kAuth};
    m.title = "Order shipped";
    m.body = "Parcel 7 is on its way";
    m.data = R"({"order":7,"url":"/orders/7"})";
    return m;
  }
  std::string decrypt(const std::string& body) {
    auto plain = rx::decrypt(*rx::b64url(kUaPrivate), *rx::b64url(kUaPublic), *rx::b64url(kAuth), body);
    EXPECT_TRUE(plain) << "the body does not decrypt with the subscription's key";
    return plain.value_or("");
  }

  test::TempDir dir_;
  test::HttpStandin api_;
  config::ConfigService config_;
  Messaging messaging_;
};

TEST_F(WebPushTest, PostsAnEncryptedMessageWithAVapidSignatureThePushServiceCanCheck) {
  api_.enqueue({.status = 201, .headers = {{"Location", "https://push.example.net/message/qDIYHNcfAIPP"}}});
  PushMessage m = message();
  m.ttl = 60;
  m.urgency = "high";
  m.topic = "order-7";
  const int64_t now_s = Clock::system().now_ms() / 1000;
  auto r = messaging_.send<PushKind>(m);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "webpush");
  EXPECT_EQ(r->message_id, "https://push.example.net/message/qDIYHNcfAIPP");
  ASSERT_EQ(api_.request_count(), 1u);
  auto req = api_.requests()[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/push/JzLQ3raZJfFBR0aqvOMsLrt54w4rJUsV");
  EXPECT_EQ(req.header("TTL"), "60");
  EXPECT_EQ(req.header("Content-Encoding"), "aes128gcm");
  EXPECT_EQ(req.header("Content-Type"), "application/octet-stream");
  EXPECT_EQ(req.header("Urgency"), "high");
  EXPECT_EQ(req.header("Topic"), "order-7");

  // Authorization: vapid t=<JWT>, k=<our public key> (RFC 8292 §3).
  const std::string auth = req.header("Authorization");
  ASSERT_EQ(auth.rfind("vapid t=", 0), 0u) << auth;
  size_t k = auth.find(", k=");
  ASSERT_NE(k, std::string::npos) << auth;
  const std::string jwt = auth.substr(8, k - 8);
  EXPECT_EQ(auth.substr(k + 4), kVapidPublic);
  EXPECT_TRUE(rx::verify_es256(jwt, *rx::b64url(auth.substr(k + 4))));
  size_t d1 = jwt.find('.'), d2 = jwt.rfind('.');
  bj::object claims = bj::parse(*rx::b64url(jwt.substr(d1 + 1, d2 - d1 - 1))).as_object();
  EXPECT_EQ(claims.at("aud").as_string(), "http://127.0.0.1:" + std::to_string(api_.port()));  // the endpoint's origin
  EXPECT_EQ(claims.at("sub").as_string(), "mailto:ops@acme.example");
  int64_t exp = claims.at("exp").as_int64();
  EXPECT_GT(exp, now_s);
  EXPECT_LE(exp, now_s + 24 * 3600 + 5);  // RFC 8292: at most 24 h ahead

  EXPECT_EQ(req.body.size(), 86 + decrypt(req.body).size() + 1 + 16);  // one record, no padding
  EXPECT_EQ(bj::parse(decrypt(req.body)),
            bj::parse(R"({"title":"Order shipped","body":"Parcel 7 is on its way","data":{"order":7,"url":"/orders/7"}})"));
}

TEST_F(WebPushTest, TtlDefaultsToPushTtlAndUnsetOptionsSendNoHeader) {
  set("push.ttl", bj::value(3600));
  api_.enqueue({.status = 202});
  PushMessage m = message();
  m.data.clear();
  ASSERT_TRUE(messaging_.send<PushKind>(m).ok());
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.header("TTL"), "3600");
  EXPECT_EQ(req.header("Urgency"), "");
  EXPECT_EQ(req.header("Topic"), "");
  EXPECT_EQ(bj::parse(decrypt(req.body)), bj::parse(R"({"title":"Order shipped","body":"Parcel 7 is on its way"})"));
}

TEST_F(WebPushTest, GoneSubscriptionIsNotFoundNotRetriedAndNotFailedOver) {
  set("push.providers", bj::parse(R"(["webpush","console"])"));
  for (int status : {410, 404}) {
    api_.enqueue({.status = status});
    auto r = messaging_.send<PushKind>(message());
    ASSERT_FALSE(r.ok()) << status;
    EXPECT_EQ(r.status().code(), Code::kNotFound);
    EXPECT_TRUE(push_target_gone(r.status()));
    EXPECT_NE(r.status().message().find("subscription gone (HTTP " + std::to_string(status) + ")"), std::string::npos)
        << r.status().message();
    // The endpoint's path is the subscription's capability: not in errors.
    EXPECT_EQ(r.status().message().find("JzLQ3raZ"), std::string::npos);
  }
  EXPECT_EQ(api_.request_count(), 2u);  // once each: no retries
}

TEST_F(WebPushTest, RateLimitsAndServerErrorsAreRetried) {
  api_.fail_next(1, 429);
  api_.fail_next(1, 503);
  api_.enqueue({.status = 201});
  auto r = messaging_.send<PushKind>(message());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 3);
  auto reqs = api_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  // Every attempt is encrypted afresh (new ephemeral key and salt).
  EXPECT_NE(reqs[0].body.substr(0, 16), reqs[2].body.substr(0, 16));
  EXPECT_FALSE(decrypt(reqs[2].body).empty());
}

TEST_F(WebPushTest, OtherClientErrorsAreNotRetried) {
  api_.enqueue({.status = 400, .body = "bad"});
  auto bad = messaging_.send<PushKind>(message());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  api_.enqueue({.status = 413});
  auto big = messaging_.send<PushKind>(message());
  EXPECT_EQ(big.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(big.status().fields().at(0).field, "/body");
  api_.enqueue({.status = 403, .body = "invalid VAPID"});
  auto denied = messaging_.send<PushKind>(message());
  EXPECT_EQ(denied.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(api_.request_count(), 3u);
  for (const auto* r : {&bad, &big, &denied}) {
    EXPECT_EQ(r->status().message().find(kVapidPrivate), std::string::npos);
    EXPECT_EQ(r->status().message().find(kAuth), std::string::npos);
  }
}

TEST_F(WebPushTest, HttpsOnlyUnlessAllowed) {
  set("push.allow_http_endpoints", bj::value(false));
  auto r = messaging_.send<PushKind>(message());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().fields().at(0).field, "/to/endpoint");
  EXPECT_EQ(api_.request_count(), 0u);
}

}  // namespace
}  // namespace sb::providers
