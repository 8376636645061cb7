// push.fcm against a local stand-in playing both Google's OAuth2 token
// endpoint (/token) and the FCM HTTP v1 API: the exact requests (the
// RS256 assertion checked under the service account's public key, its
// claims, the form; the send's URL, bearer token and JSON), the access
// token's caching (two sends, one exchange; a new one near expiry), the one
// refresh after a 401, and the answer mapping.
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

const std::string kToken = "fWq3x7:APA91bH-pz_Rfe0Lk9";
const std::string kSendPath = "/v1/projects/demo-project/messages:send";

test::ScriptedResponse token_answer(const std::string& access, int64_t expires_in = 3599) {
  return {.status = 200,
          .headers = {{"Content-Type", "application/json"}},
          .body = R"({"access_token":")" + access + R"(","expires_in":)" + std::to_string(expires_in) +
                  R"(,"token_type":"Bearer"})"};
}
test::ScriptedResponse sent(const std::string& id = "0:1700000000000000%31bd1c96") {
  return {.status = 200, .body = R"({"name":"projects/demo-project/messages/)" + id + R"("})"};
}
test::ScriptedResponse fcm_error(int status, const std::string& st, const std::string& code) {
  return {.status = status,
          .body = R"({"error":{"code":)" + std::to_string(status) + R"(,"message":"m","status":")" + st +
                  R"(","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":")" +
                  code + R"("}]}})"};
}

class FcmTest : public ::testing::Test {
 protected:
  FcmTest()
      : pem_(keys::generate("RSA")),
        config_(nullptr, nullptr),
        messaging_(config_, clock_, nullptr, dir_.path(), {.sleeper = [](Millis) {}}) {}

  void SetUp() override {
    set("push.fcm.service_account", bj::value(keys::service_account(pem_.private_pem, api_.base_url() + "/token")));
    set("push.fcm.endpoint", bj::value(api_.base_url()));
    set("push.providers", bj::parse(R"(["fcm"])"));
    ASSERT_EQ(messaging_.chain<PushKind>(), (std::vector<std::string>{"fcm"}));
  }
  void set(const std::string& key, bj::value v) {
    Status s = config_.set(key, v, "test");
    ASSERT_TRUE(s) << s.to_string();
  }
  PushMessage message() {
    PushMessage m;
    m.to = FcmToken{kToken};
    m.title = "Order shipped";
    m.body = "Parcel 7 is on its way";
    m.data = R"({"order":7,"url":"/orders/7"})";
    return m;
  }

  keys::Pem pem_;
  ManualClock clock_;
  test::TempDir dir_;
  test::HttpStandin api_;
  config::ConfigService config_;
  Messaging messaging_;
};

TEST_F(FcmTest, ExchangesASignedAssertionThenSendsWithTheAccessToken) {
  api_.enqueue(token_answer("ya29.first"));
  api_.enqueue(sent());
  PushMessage m = message();
  m.ttl = 600;
  m.urgency = "high";
  m.topic = "order-7";
  auto r = messaging_.send<PushKind>(m);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->provider, "fcm");
  EXPECT_EQ(r->message_id, "projects/demo-project/messages/0:1700000000000000%31bd1c96");
  auto reqs = api_.requests();
  ASSERT_EQ(reqs.size(), 2u);

  // The token exchange (RFC 7523).
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/token");
  EXPECT_EQ(reqs[0].header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(reqs[0].form_values("grant_type"),
            (std::vector<std::string>{"urn:ietf:params:oauth:grant-type:jwt-bearer"}));
  auto assertion = reqs[0].form_values("assertion");
  ASSERT_EQ(assertion.size(), 1u);
  auto jwt = keys::decode_and_verify(assertion[0], pem_.public_pem);
  ASSERT_TRUE(jwt);
  EXPECT_TRUE(jwt->signature_ok) << "the assertion does not verify under the service account's public key";
  EXPECT_EQ(jwt->header, bj::parse(R"({"typ":"JWT","kid":"3f9a0c1d2e","alg":"RS256"})"));
  const int64_t now_s = clock_.now_ms() / 1000;
  EXPECT_EQ(jwt->claims, (bj::object{{"iss", "sender@demo-project.iam.gserviceaccount.com"},
                                     {"scope", "https://www.googleapis.com/auth/firebase.messaging"},
                                     {"aud", api_.base_url() + "/token"},
                                     {"iat", now_s},
                                     {"exp", now_s + 3600}}));

  // The send.
  EXPECT_EQ(reqs[1].method, "POST");
  EXPECT_EQ(reqs[1].target, kSendPath);
  EXPECT_EQ(reqs[1].header("Authorization"), "Bearer ya29.first");
  EXPECT_EQ(reqs[1].header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(bj::parse(reqs[1].body), bj::parse(R"({"message":{
      "token":")" + kToken + R"(",
      "notification":{"title":"Order shipped","body":"Parcel 7 is on its way"},
      "data":{"order":"7","url":"/orders/7"},
      "android":{"ttl":"600s","priority":"high","collapse_key":"order-7"}}})"));
}

TEST_F(FcmTest, TheAccessTokenIsCachedUntilShortlyBeforeItExpires) {
  api_.enqueue(token_answer("ya29.first"));
  api_.enqueue(sent("1"));
  api_.enqueue(sent("2"));
  ASSERT_TRUE(messaging_.send<PushKind>(message()).ok());
  clock_.advance(Millis(50 * 60 * 1000));  // 50 min: still more than 5 min left
  PushMessage data_only = message();
  data_only.title.clear();
  data_only.body.clear();
  ASSERT_TRUE(messaging_.send<PushKind>(data_only).ok());
  auto reqs = api_.requests();
  ASSERT_EQ(reqs.size(), 3u);  // one exchange, two sends
  EXPECT_EQ(reqs[2].header("Authorization"), "Bearer ya29.first");
  // A data-only message has no notification; TTL is push.ttl's default.
  EXPECT_EQ(bj::parse(reqs[2].body), bj::parse(R"({"message":{"token":")" + kToken +
                                               R"(","data":{"order":"7","url":"/orders/7"},"android":{"ttl":"2419200s"}}})"));

  clock_.advance(Millis(6 * 60 * 1000));  // 56 min: within the last 5 minutes
  api_.enqueue(token_answer("ya29.second"));
  api_.enqueue(sent("3"));
  ASSERT_TRUE(messaging_.send<PushKind>(message()).ok());
  reqs = api_.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[3].target, "/token");
  EXPECT_EQ(reqs[4].header("Authorization"), "Bearer ya29.second");
}

TEST_F(FcmTest, A401RefreshesTheTokenOnceThenIsPermissionDenied) {
  api_.enqueue(token_answer("ya29.revoked"));
  api_.enqueue({.status = 401, .body = R"({"error":{"code":401,"status":"UNAUTHENTICATED"}})"});
  api_.enqueue(token_answer("ya29.fresh"));
  api_.enqueue(sent());
  auto r = messaging_.send<PushKind>(message());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 1);  // the refresh is inside one attempt
  auto reqs = api_.requests();
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[1].header("Authorization"), "Bearer ya29.revoked");
  EXPECT_EQ(reqs[2].target, "/token");
  EXPECT_EQ(reqs[3].header("Authorization"), "Bearer ya29.fresh");

  // Refused again with the fresh token: PermissionDenied, not retried.
  api_.enqueue({.status = 401});
  api_.enqueue(token_answer("ya29.third"));
  api_.enqueue({.status = 401});
  auto denied = messaging_.send<PushKind>(message());
  EXPECT_EQ(denied.status().code(), Code::kPermissionDenied);
  EXPECT_EQ(api_.request_count(), 7u);
  EXPECT_EQ(denied.status().message().find("ya29"), std::string::npos);
}

TEST_F(FcmTest, GoneTokensAreNotFoundAndNotRetried) {
  api_.enqueue(token_answer("ya29.first"));
  api_.enqueue(fcm_error(404, "NOT_FOUND", "UNREGISTERED"));
  auto r = messaging_.send<PushKind>(message());
  EXPECT_TRUE(push_target_gone(r.status())) << r.status().to_string();
  EXPECT_NE(r.status().message().find("token gone (HTTP 404 UNREGISTERED)"), std::string::npos);
  EXPECT_EQ(r.status().message().find(kToken), std::string::npos);
  // UNREGISTERED under another status is gone too.
  api_.enqueue(fcm_error(400, "INVALID_ARGUMENT", "UNREGISTERED"));
  EXPECT_TRUE(push_target_gone(messaging_.send<PushKind>(message()).status()));
  EXPECT_EQ(api_.request_count(), 3u);
}

TEST_F(FcmTest, ThrottlingAndServerErrorsAreRetriedOtherRefusalsAreNot) {
  api_.enqueue(token_answer("ya29.first"));
  api_.enqueue(fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED"));
  api_.enqueue(fcm_error(503, "UNAVAILABLE", "UNAVAILABLE"));
  api_.enqueue(sent());
  auto r = messaging_.send<PushKind>(message());
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->attempts, 3);
  EXPECT_EQ(api_.request_count(), 4u);  // the token was cached across the retries

  api_.enqueue(fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"));
  EXPECT_EQ(messaging_.send<PushKind>(message()).status().code(), Code::kInvalidArgument);
  api_.enqueue(fcm_error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"));
  auto mismatch = messaging_.send<PushKind>(message());
  EXPECT_EQ(mismatch.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(mismatch.status().fields().at(0).field, "/to/token");
  api_.enqueue(fcm_error(403, "PERMISSION_DENIED", "THIRD_PARTY_AUTH_ERROR"));
  EXPECT_EQ(messaging_.send<PushKind>(message()).status().code(), Code::kPermissionDenied);
  EXPECT_EQ(api_.request_count(), 7u);
}

TEST_F(FcmTest, ATokenEndpointRefusalIsPermissionDeniedAndItsOutageIsRetried) {
  api_.enqueue({.status = 400, .body = R"({"error":"invalid_grant","error_description":"Invalid JWT Signature."})"});
  auto r = messaging_.send<PushKind>(message());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_NE(r.status().message().find("invalid_grant"), std::string::npos);
  EXPECT_EQ(api_.request_count(), 1u);

  api_.enqueue({.status = 503});
  api_.enqueue(token_answer("ya29.first"));
  api_.enqueue(sent());
  auto ok = messaging_.send<PushKind>(message());
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(api_.request_count(), 4u);
}

TEST_F(FcmTest, TheServiceAccountIsCheckedWhenSetAndNeverEchoed) {
  Status bad = config_.set("push.fcm.service_account", bj::value(R"({"project_id":"p","client_email":"e"})"), "test");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.to_string().find("private_key"), std::string::npos) << bad.to_string();
  std::string ec_account = keys::service_account(keys::generate("EC").private_pem, "https://x/token");
  Status ec = config_.set("push.fcm.service_account", bj::value(ec_account), "test");
  ASSERT_FALSE(ec);
  EXPECT_EQ(ec.to_string().find("BEGIN"), std::string::npos);
}

}  // namespace
}  // namespace sb::providers
