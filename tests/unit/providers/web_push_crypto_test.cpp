// Web Push cryptography against published vectors: RFC 8291 App. A (every
// intermediate value and the body, byte for byte, with the RFC's ephemeral
// key and salt injected) and RFC 8188 §3.1-3.2; the test's own receiver
// (web_push_receiver.h) is checked against the same vectors before it is
// trusted with fresh ciphertexts. VAPID JWTs are checked by verifying their
// ES256 signature with the public key, as a push service does.
#include "providers/push/web_push_crypto.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "web_push_receiver.h"

namespace sb::providers::webpush {
namespace {

namespace bj = boost::json;
namespace rx = test::webpush_receiver;

// Copied from shared/testdata/webpush (unchanged) so a clone tests without
// shared/ beside it.
bj::object load(const char* name) {
  std::string path = std::string(SB_SOURCE_DIR "/tests/data/webpush/") + name;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return bj::parse(ss.str()).as_object();
}

std::string b64(const bj::value& v) {
  auto raw = base64url_decode(v.as_string());
  EXPECT_TRUE(raw) << v;
  return raw.value_or("");
}

class Rfc8291 : public ::testing::Test {
 protected:
  bj::object doc = load("rfc8291-example.json");
  bj::object in = doc.at("inputs").as_object();
  bj::object mid = doc.at("intermediate").as_object();
  std::string x(const char* k) { return b64(in.contains(k) ? in.at(k) : mid.at(k)); }
};

TEST_F(Rfc8291, EveryIntermediateValueMatches) {
  auto secret = ecdh(x("as_private"), x("ua_public"));
  ASSERT_TRUE(secret.ok()) << secret.status().to_string();
  EXPECT_EQ(*secret, x("ecdh_secret"));
  EXPECT_EQ(*ecdh(x("ua_private"), x("as_public")), x("ecdh_secret"));  // both ends agree
  auto ikm = webpush_ikm(*secret, x("auth_secret"), x("ua_public"), x("as_public"));
  ASSERT_TRUE(ikm.ok());
  EXPECT_EQ(*ikm, x("ikm"));
  auto keys = derive_content_keys(*ikm, x("salt"));
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->cek, x("cek"));
  EXPECT_EQ(keys->nonce, x("nonce"));
}

TEST_F(Rfc8291, BodyIsByteExactWithTheRfcEphemeralKeyAndSalt) {
  std::string plaintext = x("plaintext");
  ASSERT_EQ(plaintext, std::string(doc.at("plaintext_utf8").as_string()));
  auto body = encrypt(plaintext, x("ua_public"), x("auth_secret"), {.as_private = x("as_private"), .salt = x("salt")});
  ASSERT_TRUE(body.ok()) << body.status().to_string();
  EXPECT_EQ(crypto::base64url_encode(*body), std::string(doc.at("body").as_string()));
  EXPECT_EQ(body->size(), static_cast<size_t>(doc.at("body_length").as_int64()));  // 144, not §5's 145
  EXPECT_EQ(body->substr(0, 86), x("header"));
  EXPECT_EQ(body->substr(86), x("ciphertext"));
}

TEST_F(Rfc8291, TheTestReceiverDecryptsTheRfcBody) {
  auto plain = rx::decrypt(x("ua_private"), x("ua_public"), x("auth_secret"), b64(doc.at("body")));
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, "When I grow up, I want to be a watermelon");
  // A wrong auth secret does not open it.
  EXPECT_FALSE(rx::decrypt(x("ua_private"), x("ua_public"), std::string(16, 'x'), b64(doc.at("body"))));
}

TEST_F(Rfc8291, FreshKeyAndSaltPerMessageStillDecrypt) {
  auto a = encrypt("hello", x("ua_public"), x("auth_secret"));
  auto b = encrypt("hello", x("ua_public"), x("auth_secret"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->substr(0, 16), b->substr(0, 16));    // salt
  EXPECT_NE(a->substr(21, 65), b->substr(21, 65));  // ephemeral public key
  EXPECT_EQ(rx::decrypt(x("ua_private"), x("ua_public"), x("auth_secret"), *a), "hello");
  EXPECT_EQ(rx::decrypt(x("ua_private"), x("ua_public"), x("auth_secret"), *b), "hello");
}

TEST_F(Rfc8291, LargestPayloadFitsOneRecordAndOneMoreByteIsRefused) {
  std::string big(kMaxPlaintextBytes, 'a');
  auto body = encrypt(big, x("ua_public"), x("auth_secret"));
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->size(), 4096u);
  EXPECT_EQ(rx::decrypt(x("ua_private"), x("ua_public"), x("auth_secret"), *body), big);
  auto too_big = encrypt(big + "a", x("ua_public"), x("auth_secret"));
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().fields()[0].field, "/body");
}

TEST_F(Rfc8291, BadSubscriptionKeysAreRefusedNamingTheField) {
  std::string pub = x("ua_public");
  std::string off_curve = pub;
  off_curve[40] = static_cast<char>(off_curve[40] ^ 1);
  EXPECT_TRUE(is_p256_point(pub));
  EXPECT_FALSE(is_p256_point(off_curve));
  EXPECT_FALSE(is_p256_point(pub.substr(0, 33)));       // compressed length
  EXPECT_FALSE(is_p256_point("\x05" + pub.substr(1)));  // not the uncompressed form
  EXPECT_EQ(encrypt("x", off_curve, x("auth_secret")).status().fields()[0].field, "/to/keys/p256dh");
  EXPECT_EQ(encrypt("x", pub, "short").status().fields()[0].field, "/to/keys/auth");
}

TEST(Rfc8188, SingleRecordExampleIsByteExact) {
  bj::object ex = load("rfc8188-examples.json").at("examples").as_array()[0].as_object();
  ASSERT_EQ(ex.at("name").as_string(), "rfc8188-3.1-single-record");
  auto keys = derive_content_keys(b64(ex.at("ikm")), b64(ex.at("salt")));
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->cek, b64(ex.at("intermediate").at("cek")));
  EXPECT_EQ(keys->nonce, b64(ex.at("intermediate").at("nonce")));
  auto body = aes128gcm_encrypt(b64(ex.at("ikm")), b64(ex.at("salt")), "", "I am the walrus", 4096);
  ASSERT_TRUE(body.ok()) << body.status().to_string();
  EXPECT_EQ(crypto::base64url_encode(*body), std::string(ex.at("body").as_string()));
  EXPECT_EQ(body->size(), 53u);  // the RFC text's "54" is an error (see the JSON's notes)
}

TEST(Rfc8188, TheTestReceiverOpensBothExamplesIncludingMultipleRecords) {
  const bj::object doc = load("rfc8188-examples.json");
  for (const auto& v : doc.at("examples").as_array()) {
    const bj::object& ex = v.as_object();
    auto opened = rx::open_aes128gcm(b64(ex.at("ikm")), b64(ex.at("body")));
    ASSERT_TRUE(opened) << ex.at("name");
    EXPECT_EQ(opened->plaintext, "I am the walrus") << ex.at("name");
    EXPECT_EQ(opened->keyid, std::string(ex.at("keyid_utf8").as_string()));
  }
}

TEST(Base64url, AcceptsWithOrWithoutPaddingAndNothingElse) {
  EXPECT_EQ(base64url_decode("-_8"), std::string("\xfb\xff", 2));
  EXPECT_EQ(base64url_decode("-_8="), std::string("\xfb\xff", 2));
  EXPECT_EQ(base64url_decode(""), std::string());
  EXPECT_FALSE(base64url_decode("+/8="));  // standard alphabet
  EXPECT_FALSE(base64url_decode("ab c"));
  EXPECT_FALSE(base64url_decode("abcde"));  // impossible length
}

// ---- VAPID

// The RFC 8291 example's application-server key pair, as a VAPID key.
constexpr const char* kAsPrivate = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw";
constexpr const char* kAsPublic =
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8";
// The same key in the two PEM forms openssl writes.
constexpr const char* kAsPrivateSec1Pem = R"(-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIMn1j4mBPp+Ohy5x9CqmThdXySVNzGK3LdwBC7QEPqEcoAoGCCqGSM49
AwEHoUQDQgAE/jP0qw3qcZFNtVgj9ztUlI9BMG2SBzLbuaWaUyhkgiAOWXp7e8Jg
uhwieZhYCZLpOXMALzASooro8Gu7eOXsDw==
-----END EC PRIVATE KEY-----
)";
constexpr const char* kAsPrivatePkcs8Pem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgyfWPiYE+n46HLnH0
KqZOF1fJJU3MYrct3AELtAQ+oRyhRANCAAT+M/SrDepxkU21WCP3O1SUj0EwbZIH
Mtu5pZpTKGSCIA5Zent7wmC6HCJ5mFgJkuk5cwAvMBKiiujwa7t45ewP
-----END PRIVATE KEY-----
)";

TEST(Vapid, ParsesBase64urlAndPemAndDerivesThePublicKey) {
  for (const char* text : {kAsPrivate, kAsPrivateSec1Pem, kAsPrivatePkcs8Pem}) {
    auto key = VapidKey::parse(text);
    ASSERT_TRUE(key.ok()) << key.status().to_string();
    EXPECT_EQ(crypto::base64url_encode(key->public_key()), kAsPublic);
    EXPECT_EQ(key->private_key_base64url(), kAsPrivate);
  }
}

TEST(Vapid, RefusesOtherKeysWithoutEchoingThem) {
  for (std::string bad : {std::string("c2hvcnQ"), std::string(43, 'A'),  // short; zero scalar
                          std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
                          std::string(42, '_') + "w"}) {  // a scalar above the group order
    auto key = VapidKey::parse(bad);
    ASSERT_FALSE(key.ok()) << bad;
    EXPECT_EQ(key.status().message().find(bad), std::string::npos);
  }
}

TEST(Vapid, GeneratedKeysRoundTrip) {
  VapidKey a = VapidKey::generate();
  auto b = VapidKey::parse(a.private_key_base64url());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->public_key(), a.public_key());
  EXPECT_TRUE(is_p256_point(a.public_key()));
  EXPECT_NE(VapidKey::generate().public_key(), a.public_key());
}

TEST(Vapid, JwtHasTheRfc8292ClaimsAndItsSignatureVerifies) {
  auto key = VapidKey::parse(kAsPrivate);
  ASSERT_TRUE(key.ok());
  auto jwt = key->sign_jwt("https://push.example.net", 1453523768, "mailto:push@example.com");
  ASSERT_TRUE(jwt.ok());
  size_t d1 = jwt->find('.'), d2 = jwt->rfind('.');
  EXPECT_EQ(*rx::b64url(jwt->substr(0, d1)), R"({"typ":"JWT","alg":"ES256"})");
  EXPECT_EQ(bj::parse(*rx::b64url(jwt->substr(d1 + 1, d2 - d1 - 1))),
            bj::parse(R"({"aud":"https://push.example.net","exp":1453523768,"sub":"mailto:push@example.com"})"));
  EXPECT_EQ(rx::b64url(jwt->substr(d2 + 1))->size(), 64u);  // r||s, not DER
  EXPECT_TRUE(rx::verify_es256(*jwt, key->public_key()));
  EXPECT_FALSE(rx::verify_es256(*jwt, VapidKey::generate().public_key()));
  std::string tampered = *jwt;
  tampered[d1 + 3] = tampered[d1 + 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(rx::verify_es256(tampered, key->public_key()));

  auto header = key->authorization("https://push.example.net", 1453523768, "mailto:push@example.com");
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->rfind("vapid t=", 0), 0u);
  EXPECT_EQ(header->substr(header->find(", k=") + 4), kAsPublic);
}

TEST(Vapid, TheTestVerifierAcceptsTheRfc8292Example) {
  // RFC 8292 §2.4 / §3: the example token and its public key.
  const std::string jwt =
      "eyJ0eXAiOiJKV1QiLCJhbGciOiJFUzI1NiJ9.eyJhdWQiOiJodHRwczovL3B1c2guZXhhbXBsZS5uZXQiLCJleHAiOjE0NTM1MjM3NjgsInN1Y"
      "iI6Im1haWx0bzpwdXNoQGV4YW1wbGUuY29tIn0.i3CYb7t4xfxCDquptFOepC9GAu_HLGkMlMuCGSK2rpiUfnK9ojFwDXb1JrErtmysazNjjv"
      "W2L9OkSSHzvoD1oA";
  auto k = rx::b64url("BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs");
  EXPECT_TRUE(rx::verify_es256(jwt, *k));
}

TEST(Origin, IsSchemeHostAndANonDefaultPort) {
  EXPECT_EQ(origin_of("https://fcm.googleapis.com/fcm/send/abc:def"), "https://fcm.googleapis.com");
  EXPECT_EQ(origin_of("HTTPS://Updates.Push.Services.Mozilla.COM:443/wpush/v2/x?y#z"),
            "https://updates.push.services.mozilla.com");
  EXPECT_EQ(origin_of("https://push.example.net:8443/p"), "https://push.example.net:8443");
  EXPECT_EQ(origin_of("http://127.0.0.1:4000/push/1"), "http://127.0.0.1:4000");
  EXPECT_EQ(origin_of("http://[::1]:80/x"), "http://[::1]");
  EXPECT_EQ(origin_of("https://[2001:db8::1]/x"), "https://[2001:db8::1]");
  EXPECT_FALSE(origin_of("ftp://push.example.net/x"));
  EXPECT_FALSE(origin_of("https:///x"));
  EXPECT_FALSE(origin_of("https://user@push.example.net/x"));
  EXPECT_FALSE(origin_of("https://push.example.net:99999/x"));
  EXPECT_FALSE(origin_of("push.example.net/x"));
}

}  // namespace
}  // namespace sb::providers::webpush
