// FCM and APNs targets: the JSON of POST /v1/messages/push and the checks
// naming /to/token and /to/topic; and the JWTs the fcm and apns providers
// sign (RS256 for Google's OAuth2 assertion, ES256 for APNs), verified here
// under the public key of a key pair made by the test.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "providers/push/jwt.h"
#include "providers/push/push.h"
#include "push_test_keys.h"

namespace sb::providers {
namespace {

namespace bj = boost::json;
namespace keys = test::push_keys;

const std::string kFcmToken = "dXk2NzQ:APA91bH-pz_Wq3x7Rfe0";
const std::string kApnsToken(64, 'a');

std::map<std::string, std::string> fields_of(const Status& s) {
  std::map<std::string, std::string> out;
  for (const auto& f : s.fields()) out[f.field] = f.message;
  return out;
}

TEST(PushTokens, ParsesFcmAndApnsTargets) {
  auto fcm = parse_push(bj::parse(R"({"to":{"fcm":")" + kFcmToken + R"("},"title":"Hi"})"));
  ASSERT_TRUE(fcm.ok()) << fcm.status().to_string();
  EXPECT_EQ(std::get<FcmToken>(fcm->to).token, kFcmToken);
  EXPECT_STREQ(push_target_kind(fcm->to), "an FCM token");

  auto apns = parse_push(
      bj::parse(R"({"to":{"apns":")" + kApnsToken + R"(","topic":"com.example.app","sandbox":true},"body":"b"})"));
  ASSERT_TRUE(apns.ok()) << apns.status().to_string();
  const auto& a = std::get<ApnsToken>(apns->to);
  EXPECT_EQ(a.token, kApnsToken);
  EXPECT_EQ(a.topic, "com.example.app");
  EXPECT_TRUE(a.sandbox);
  auto prod = parse_push(bj::parse(R"({"to":{"apns":")" + kApnsToken + R"(","topic":"com.example.app"},"body":"b"})"));
  ASSERT_TRUE(prod.ok());
  EXPECT_FALSE(std::get<ApnsToken>(prod->to).sandbox);
}

TEST(PushTokens, NamesBadTokenFields) {
  auto f = fields_of(parse_push(bj::parse(R"({"to":{"fcm":"has space","extra":1},"title":"t"})")).status());
  EXPECT_EQ(f["/to/token"], "must be an FCM registration token (A-Z a-z 0-9 - _ :, at most 4096)");
  EXPECT_EQ(f["/to/extra"], "is not a known field");
  EXPECT_EQ(fields_of(parse_push(bj::parse(R"({"to":{"fcm":7},"title":"t"})")).status())["/to/token"],
            "must be a string");

  f = fields_of(parse_push(bj::parse(R"({"to":{"apns":"abc","sandbox":"yes"},"title":"t"})")).status());
  EXPECT_EQ(f["/to/token"], "must be an APNs device token: 64 to 200 hex digits");
  EXPECT_EQ(f["/to/topic"], "is required: the app's bundle id");
  EXPECT_EQ(f["/to/sandbox"], "must be a boolean");
  f = fields_of(parse_push(bj::parse(R"({"to":{"apns":")" + std::string(64, 'g') +
                                     R"(","topic":"com/example"},"title":"t","data":{"aps":{}}})")).status());
  EXPECT_EQ(f["/to/token"], "must be an APNs device token: 64 to 200 hex digits");
  EXPECT_EQ(f["/to/topic"], "must be a bundle id (A-Z a-z 0-9 . -)");
  EXPECT_EQ(f["/data/aps"], "is reserved by APNs");

  // Data may use "aps" for the other kinds.
  PushMessage m;
  m.to = FcmToken{kFcmToken};
  m.data = R"({"aps":1})";
  EXPECT_TRUE(validate_push(m, false));
  m.to = FcmToken{};
  EXPECT_EQ(fields_of(validate_push(m, false))["/to/token"], "is required");
}

TEST(PushTokens, AnUnknownTargetShapeFallsBackToWebPushAndSaysWhatIsExpected) {
  auto f = fields_of(parse_push(bj::parse(R"({"to":"x","title":"t"})")).status());
  EXPECT_EQ(f["/to"], "must be a Web Push subscription {endpoint, keys: {p256dh, auth}}, {fcm: token} or "
                      "{apns: token, topic, sandbox?}");
  f = fields_of(parse_push(bj::parse(R"({"to":{"token":"x"},"title":"t"})")).status());
  EXPECT_EQ(f["/to/token"], "is not a known field");
  EXPECT_EQ(f["/to/endpoint"], "is required");
}

TEST(PushJwt, Rs256VerifiesUnderThePublicKey) {
  keys::Pem pem = keys::generate("RSA");
  auto key = jwt::RsaKey::parse(pem.private_pem);
  ASSERT_TRUE(key.ok()) << key.status().to_string();
  auto token = jwt::sign_rs256(*key, {{"typ", "JWT"}, {"kid", "k1"}}, {{"iss", "a@b"}, {"iat", 1700000000}});
  ASSERT_TRUE(token.ok());
  auto decoded = keys::decode_and_verify(*token, pem.public_pem);
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->signature_ok);
  EXPECT_EQ(decoded->header, bj::parse(R"({"typ":"JWT","kid":"k1","alg":"RS256"})"));
  EXPECT_EQ(decoded->claims, bj::parse(R"({"iss":"a@b","iat":1700000000})"));
  // Under another key, or altered, it does not verify.
  EXPECT_FALSE(keys::decode_and_verify(*token, keys::generate("RSA").public_pem)->signature_ok);
  std::string tampered = *token;
  char& first = tampered[tampered.rfind('.') + 1];  // six bits of the signature's first byte
  first = first == 'A' ? 'B' : 'A';
  EXPECT_FALSE(keys::decode_and_verify(tampered, pem.public_pem)->signature_ok);
}

TEST(PushJwt, RsaKeyRefusesWhatIsNotAnRsaKeyWithoutEchoingIt) {
  keys::Pem ec = keys::generate("EC");
  for (const std::string& bad : {ec.private_pem, std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
                                 std::string("not a key")}) {
    auto r = jwt::RsaKey::parse(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().fields().at(0).message, "must be a PEM RSA private key of at least 2048 bits");
    EXPECT_EQ(r.status().to_string().find("BEGIN"), std::string::npos);
  }
}

TEST(PushJwt, Es256WithAnApnsStyleP8KeyVerifiesUnderThePublicKey) {
  keys::Pem pem = keys::generate("EC");
  auto key = webpush::VapidKey::parse(pem.private_pem);
  ASSERT_TRUE(key.ok()) << key.status().to_string();
  auto token = jwt::sign_es256(*key, {{"kid", "ABC123DEFG"}}, {{"iss", "DEF123GHIJ"}, {"iat", 1700000000}});
  ASSERT_TRUE(token.ok());
  auto decoded = keys::decode_and_verify(*token, pem.public_pem);
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(decoded->signature_ok);
  EXPECT_EQ(decoded->header, bj::parse(R"({"kid":"ABC123DEFG","alg":"ES256"})"));  // no typ: Apple's documented header
  EXPECT_EQ(decoded->claims, bj::parse(R"({"iss":"DEF123GHIJ","iat":1700000000})"));
  EXPECT_FALSE(keys::decode_and_verify(*token, keys::generate("EC").public_pem)->signature_ok);
  // The raw r||s signer the VAPID JWT uses too.
  auto rs = key->sign_es256("input");
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->size(), 64u);
}

}  // namespace
}  // namespace sb::providers
