// push.apns against a local stand-in for APNs: the exact request (URL per
// production / sandbox, headers, the ES256 provider token checked under the
// .p8 key's public key, the JSON), the token's reuse and its one renewal on
// ExpiredProviderToken, the answer mapping; then a mixed chain
// ["webpush","fcm","apns"] routing each message to the provider of its kind.
// The stand-in speaks HTTP/1.1: on plain http:// the provider's HTTP/2
// request (CURL_HTTP_VERSION_2TLS) is HTTP/1.1, as it is meant to be.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "config/config.h"
#include "http_standin.h"
#include "providers/messaging.h"
#include "push_test_keys.h"
#include "temp_dir.h"

namespace sb::providers {
namespace {

namespace bj = boost::json;
namespace keys = test::push_keys;

const std::string kToken = "5a1b8c3d9e0f" + std::string(52, '7');

test::ScriptedResponse refused(int status, const std::string& reason) {
  return {.status = status, .body = R"({"reason":")" + reason + R"("})"};
}

class ApnsTest : public ::testing::Test {
 protected:
  ApnsTest()
      : pem_(keys::generate("EC")),
        config_(nullptr, nullptr),
        messaging_(config_, clock_, nullptr, dir_.path(), {.sleeper = [](Millis) {}}) {}

  void SetUp() override {
    set("push.apns.key", bj::value(pem_.private_pem));
    set("push.apns.key_id", bj::value("ABC123DEFG"));
    set("push.apns.team_id", bj::value("DEF123GHIJ"));
    set("push.apns.endpoint", bj::value(api_.base_url() + "/prod"));
    set("push.apns.sandbox_endpoint", bj::value(api_.base_url() + "/sandbox"));
    set("push.providers", bj::parse(R"(["apns"])"));
    ASSERT_EQ(messaging_.chain<PushKind>(), (std::vector<std::string>{"apns"}));
  }
  void set(const std::string& key, bj::value v) {
    Status s = config_.set(key, v, "test");
    ASSERT_TRUE(s) << s.to_string();
  }
  PushMessage message(bool sandbox = false) {
    PushMessage m;
    m.to = ApnsToken{kToken, "com.example.app", sandbox};
    m.title = "Order shipped";
    m.body = "Parcel 7 is on its way";
    m.data = R"({"order":7})";
    return m;
  }
  std::string bearer(const test::RecordedRequest& r) {
    std::string a = r.header("authorization");
    EXPECT_EQ(a.rfind("bearer ", 0), 0u) << a;
    return a.substr(7);
  }

  keys::Pem pem_;
  ManualClock clock_;
  test::TempDir dir_;
  test::HttpStandin api_;
  config::ConfigService config_;
  Messaging messaging_;
};

TEST_F(ApnsTest, PostsTheAlertWithASignedProviderTokenAndReusesIt) {
  api_.enqueue({.status = 200, .headers = {{"apns-id", "EC1BF194-B3B2-424A-89A9-5A918A6E6B5D"}}});
  api_.enqueue({.status = 200, .headers = {{"apns-id", "2"}}});
  PushMessage m = message();
  m.ttl = 3600;
  m.topic = "order-7";
  auto r = messaging_.send<PushKind>(m);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "apns");
  EXPECT_EQ(r->message_id, "EC1BF194-B3B2-424A-89A9-5A918A6E6B5D");
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/prod/3/device/" + kToken);
  EXPECT_EQ(req.header("apns-topic"), "com.example.app");
  EXPECT_EQ(req.header("apns-push-type"), "alert");
  EXPECT_EQ(req.header("apns-priority"), "10");
  EXPECT_EQ(req.header("apns-expiration"), std::to_string(clock_.now_ms() / 1000 + 3600));
  EXPECT_EQ(req.header("apns-collapse-id"), "order-7");
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(bj::parse(req.body),
            bj::parse(R"({"aps":{"alert":{"title":"Order shipped","body":"Parcel 7 is on its way"}},"order":7})"));
  auto jwt = keys::decode_and_verify(bearer(req), pem_.public_pem);
  ASSERT_TRUE(jwt);
  EXPECT_TRUE(jwt->signature_ok) << "the provider token does not verify under the key's public key";
  EXPECT_EQ(jwt->header, bj::parse(R"({"kid":"ABC123DEFG","alg":"ES256"})"));
  EXPECT_EQ(jwt->claims, (bj::object{{"iss", "DEF123GHIJ"}, {"iat", clock_.now_ms() / 1000}}));

  clock_.advance(Millis(49 * 60 * 1000));
  ASSERT_TRUE(messaging_.send<PushKind>(message()).ok());
  EXPECT_EQ(bearer(api_.requests().at(1)), bearer(req));  // reused within 50 minutes
  clock_.advance(Millis(2 * 60 * 1000));
  ASSERT_TRUE(messaging_.send<PushKind>(message()).ok());
  auto renewed = keys::decode_and_verify(bearer(api_.requests().at(2)), pem_.public_pem);
  EXPECT_EQ(renewed->claims.at("iat").as_int64(), clock_.now_ms() / 1000);
}

TEST_F(ApnsTest, SandboxTokensGoToTheSandboxAndDataOnlyIsABackgroundPush) {
  PushMessage m = message(/*sandbox=*/true);
  m.title.clear();
  m.body.clear();
  m.ttl = 0;
  ASSERT_TRUE(messaging_.send<PushKind>(m).ok());
  auto req = api_.requests().at(0);
  EXPECT_EQ(req.target, "/sandbox/3/device/" + kToken);
  EXPECT_EQ(req.header("apns-push-type"), "background");
  EXPECT_EQ(req.header("apns-priority"), "5");  // Apple refuses 10 for background pushes
  EXPECT_EQ(req.header("apns-expiration"), "0");
  EXPECT_EQ(req.header("apns-collapse-id"), "");
  EXPECT_EQ(bj::parse(req.body), bj::parse(R"({"aps":{"content-available":1},"order":7})"));
}

TEST_F(ApnsTest, ExpiredProviderTokenIsRenewedOnceThenPermissionDenied) {
  api_.enqueue(refused(403, "ExpiredProviderToken"));
  api_.enqueue({.status = 200});
  ASSERT_TRUE(messaging_.send<PushKind>(message()).ok());
  auto reqs = api_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(bearer(reqs[0]), bearer(reqs[1]));
  EXPECT_TRUE(keys::decode_and_verify(bearer(reqs[1]), pem_.public_pem)->signature_ok);

  api_.enqueue(refused(403, "ExpiredProviderToken"));
  api_.enqueue(refused(403, "ExpiredProviderToken"));
  auto denied = messaging_.send<PushKind>(message());
  EXPECT_EQ(denied.status().code(), Code::kPermissionDenied);
  api_.enqueue(refused(403, "InvalidProviderToken"));
  EXPECT_EQ(messaging_.send<PushKind>(message()).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(api_.request_count(), 5u);  // no renewal for InvalidProviderToken, no retries
}

TEST_F(ApnsTest, GoneTokensAreNotFoundOtherAnswersMapped) {
  for (auto resp : {refused(410, "Unregistered"), refused(400, "BadDeviceToken")}) {
    api_.enqueue(resp);
    auto r = messaging_.send<PushKind>(message());
    EXPECT_TRUE(push_target_gone(r.status())) << r.status().to_string();
    EXPECT_EQ(r.status().message().find(kToken), std::string::npos);
  }
  EXPECT_EQ(api_.request_count(), 2u);
  api_.enqueue(refused(429, "TooManyRequests"));
  api_.enqueue(refused(503, "ServiceUnavailable"));
  api_.enqueue({.status = 200});
  auto retried = messaging_.send<PushKind>(message());
  ASSERT_TRUE(retried.ok()) << retried.status().to_string();
  EXPECT_EQ(retried->attempts, 3);
  api_.enqueue(refused(400, "DeviceTokenNotForTopic"));
  auto bad = messaging_.send<PushKind>(message());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("DeviceTokenNotForTopic"), std::string::npos);
  EXPECT_EQ(bad.status().message().find(kToken), std::string::npos);
  api_.enqueue(refused(413, "PayloadTooLarge"));
  EXPECT_EQ(messaging_.send<PushKind>(message()).status().fields().at(0).field, "/body");
  EXPECT_EQ(api_.request_count(), 7u);
}

// One chain for every kind of device: each message goes to the provider of
// its kind, the others passed over without an attempt or a failover entry.
TEST_F(ApnsTest, AMixedChainRoutesEachTargetKindToItsProvider) {
  const std::string vapid = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
  set("push.allow_http_endpoints", bj::value(true));
  set("push.webpush.vapid_private_key", bj::value(vapid));
  set("push.webpush.subject", bj::value("mailto:ops@acme.example"));
  set("push.fcm.service_account",
      bj::value(keys::service_account(keys::generate("RSA").private_pem, api_.base_url() + "/token")));
  set("push.fcm.endpoint", bj::value(api_.base_url()));
  set("push.providers", bj::parse(R"(["webpush","fcm","apns"])"));
  ASSERT_EQ(messaging_.chain<PushKind>(), (std::vector<std::string>{"webpush", "fcm", "apns"}));

  auto apns = messaging_.send<PushKind>(message());
  ASSERT_TRUE(apns.ok()) << apns.status().to_string();
  EXPECT_EQ(apns->provider, "apns");
  EXPECT_EQ(apns->attempts, 1);
  EXPECT_TRUE(apns->failed_over_from.empty());
  EXPECT_EQ(api_.requests().at(0).target, "/prod/3/device/" + kToken);

  api_.enqueue({.status = 200, .body = R"({"access_token":"ya29.t","expires_in":3599})"});
  api_.enqueue({.status = 200, .body = R"({"name":"projects/demo-project/messages/1"})"});
  PushMessage fcm = message();
  fcm.to = FcmToken{"fWq3x7:APA91b"};
  auto f = messaging_.send<PushKind>(fcm);
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f->provider, "fcm");
  EXPECT_TRUE(f->failed_over_from.empty());
  EXPECT_EQ(api_.requests().at(2).target, "/v1/projects/demo-project/messages:send");

  api_.enqueue({.status = 201});
  PushMessage web = message();
  web.to = WebPushSubscription{api_.base_url() + "/push/abc",
                               "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
                               "BTBZMqHH6r4Tts7J_aSIgg"};
  auto w = messaging_.send<PushKind>(web);
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  EXPECT_EQ(w->provider, "webpush");
  EXPECT_EQ(api_.request_count(), 4u);

  // Within its kind the chain still fails over (apns down -> console).
  set("push.providers", bj::parse(R"(["webpush","apns","console"])"));
  api_.set_default({.status = 503});
  auto over = messaging_.send<PushKind>(message());
  ASSERT_TRUE(over.ok()) << over.status().to_string();
  EXPECT_EQ(over->provider, "console");
  EXPECT_EQ(over->failed_over_from, (std::vector<std::string>{"apns"}));

  // No provider for the kind, or a named provider of another kind: InvalidArgument on /to, nothing sent.
  set("push.providers", bj::parse(R"(["webpush","fcm"])"));
  const size_t before = api_.request_count();
  auto none = messaging_.send<PushKind>(message());
  EXPECT_EQ(none.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(none.status().fields().at(0).field, "/to");
  EXPECT_NE(none.status().message().find("[webpush, fcm]"), std::string::npos) << none.status().message();
  auto named = messaging_.send<PushKind>(message(), "webpush");
  EXPECT_EQ(named.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(named.status().fields().at(0).field, "/to");
  EXPECT_EQ(api_.request_count(), before);
}

}  // namespace
}  // namespace sb::providers
