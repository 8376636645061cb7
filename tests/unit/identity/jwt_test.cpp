// Signing keys, key ring and JWT issue/verify. Hostile tokens are crafted by
// hand, signed with the real key wherever possible so that only the defect
// under test can be the reason for rejection.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <atomic>
#include <boost/json.hpp>
#include <thread>

#include "core/clock.h"
#include "core/crypto.h"
#include "identity/jwt.h"
#include "identity/signing_keys.h"
#include "identity/verified_token_cache.h"

namespace sb::identity {
namespace {

namespace bj = boost::json;
using std::chrono::seconds;

std::string unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string b64url(std::string_view raw) { return crypto::base64url_encode(raw); }

std::string b64url_decode(std::string s) {
  for (char& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4) s += '=';
  return crypto::base64_decode(s).value_or("<bad>");
}

std::vector<std::string> split(const std::string& token) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = token.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(token.substr(start, dot - start));
  parts.push_back(token.substr(start));
  return parts;
}

SigningKeyPtr new_key() { return SigningKey::generate_ed25519().value(); }

JwtOptions options(size_t cache = 1024) {
  JwtOptions o;
  o.issuer = "https://switchboard.test";
  o.audience = "switchboard-api";
  o.access_ttl = seconds(900);
  o.leeway = seconds(30);
  o.cache_capacity = cache;
  return o;
}

class JwtTest : public ::testing::Test {
 protected:
  ManualClock clock;
  SigningKeyPtr key = new_key();
  KeyRing ring{key};
  JwtIssuer issuer{ring, clock, options()};
  JwtVerifier verifier{ring, clock, options()};
  JwtVerifier uncached{ring, clock, options(0)};

  int64_t now_s() const { return clock.now_ms() / 1000; }

  bj::object header(std::string_view alg = "EdDSA") const {
    return {{"alg", alg}, {"typ", "JWT"}, {"kid", key->kid()}};
  }
  bj::object claims() const {
    return {{"iss", "https://switchboard.test"}, {"sub", "user-1"}, {"aud", "switchboard-api"},
            {"iat", now_s()}, {"exp", now_s() + 900}, {"jti", "jti-1"}};
  }
  // header.payload signed with `with` (default: the ring's current key).
  std::string craft(const bj::object& h, const bj::object& p, SigningKeyPtr with = nullptr) const {
    std::string input = b64url(bj::serialize(h)) + "." + b64url(bj::serialize(p));
    return input + "." + b64url((with ? with : key)->sign(input).value());
  }
  std::string issue(TokenSpec spec = {}) const {
    if (spec.sub.empty()) spec.sub = "user-1";
    return issuer.issue(spec).value().token;
  }

  // Rejected by both verifiers, as Unauthenticated, for `reason`, without
  // echoing any part of the token.
  void expect_rejected(const std::string& token, std::string_view reason) {
    for (const JwtVerifier* v : {&verifier, &uncached}) {
      auto r = v->verify(token);
      ASSERT_FALSE(r.ok()) << "accepted; want " << reason;
      EXPECT_EQ(r.status().code(), Code::kUnauthenticated);
      EXPECT_NE(r.status().message().find(reason), std::string::npos) << r.status().message();
      for (const auto& part : split(token)) {
        if (part.size() >= 8) {
          EXPECT_EQ(r.status().message().find(part), std::string::npos);
        }
      }
    }
  }
  void expect_valid(const std::string& token) {
    auto r = verifier.verify(token);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    auto u = uncached.verify(token);
    EXPECT_TRUE(u.ok()) << u.status().to_string();
  }
};

// ---- the primitive ---------------------------------------------------------

TEST(SigningKey, Ed25519MatchesRfc8032Section71Test1) {
  auto key = SigningKey::from_ed25519_seed(
                 unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
                 .value();
  EXPECT_EQ(crypto::hex_encode(key->public_raw()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const std::string expected =
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
      "d25bf5f0595bbe24655141438e7a100b";
  EXPECT_EQ(crypto::hex_encode(key->sign("").value()), expected);
  EXPECT_TRUE(key->verify("", unhex(expected)));
  EXPECT_FALSE(key->verify("x", unhex(expected)));
  std::string flipped = unhex(expected);
  flipped[5] ^= 1;
  EXPECT_FALSE(key->verify("", flipped));
  EXPECT_EQ(key->alg_name(), "EdDSA");
}

TEST(SigningKey, KidIsBase64urlOfFirst8BytesOfPublicKeySha256) {
  auto key = new_key();
  EXPECT_EQ(key->kid(), b64url(crypto::sha256(key->public_raw()).substr(0, 8)));
  EXPECT_EQ(key->kid().size(), 11u);
  EXPECT_NE(key->kid(), new_key()->kid());
}

TEST(SigningKey, PrivatePemRoundTripKeepsKidAndSignatures) {
  auto key = new_key();
  std::string pem = key->private_pem().value();
  EXPECT_NE(pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  auto back = SigningKey::from_private_pem(pem).value();
  EXPECT_EQ(back->kid(), key->kid());
  EXPECT_EQ(back->public_raw(), key->public_raw());
  EXPECT_TRUE(key->verify("msg", back->sign("msg").value()));
}

TEST(SigningKey, PemImportRejectsGarbageOtherKeyTypesEncryptedAndPublicOnly) {
  EXPECT_EQ(SigningKey::from_private_pem("not a key").status().code(), Code::kInvalidArgument);
  EXPECT_FALSE(SigningKey::from_ed25519_seed("short").ok());

  auto pem_of = [](EVP_PKEY* pk, const EVP_CIPHER* cipher, bool public_only) {
    BIO* bio = BIO_new(BIO_s_mem());
    if (public_only) PEM_write_bio_PUBKEY(bio, pk);
    else PEM_write_bio_PrivateKey(bio, pk, cipher, nullptr, 0, nullptr, const_cast<char*>("pw"));
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<size_t>(n));
    BIO_free(bio);
    return out;
  };
  EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  EVP_PKEY* ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_TRUE(ec && ed);
  auto ec_key = SigningKey::from_private_pem(pem_of(ec, nullptr, false));
  auto encrypted = SigningKey::from_private_pem(pem_of(ed, EVP_aes_256_cbc(), false));
  auto public_only = SigningKey::from_private_pem(pem_of(ed, nullptr, true));
  auto plain = SigningKey::from_private_pem(pem_of(ed, nullptr, false));
  EVP_PKEY_free(ec);
  EVP_PKEY_free(ed);
  EXPECT_EQ(ec_key.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(encrypted.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(public_only.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(plain.ok()) << plain.status().to_string();
}

TEST(SigningKey, PublicJwkHasOkpFieldsAndNoPrivatePart) {
  auto key = new_key();
  bj::object jwk = key->public_jwk();
  EXPECT_EQ(jwk.at("kty"), "OKP");
  EXPECT_EQ(jwk.at("crv"), "Ed25519");
  EXPECT_EQ(jwk.at("alg"), "EdDSA");
  EXPECT_EQ(jwk.at("use"), "sig");
  EXPECT_EQ(std::string_view(jwk.at("kid").as_string()), key->kid());
  EXPECT_EQ(b64url_decode(std::string(jwk.at("x").as_string())), key->public_raw());
  EXPECT_FALSE(jwk.contains("d"));
}

// ---- issue + round trip ----------------------------------------------------

TEST_F(JwtTest, RoundTripCarriesEveryClaim) {
  TokenSpec spec;
  spec.sub = "user-42";
  spec.sid = "sess-7";
  spec.roles = {"admin", "user"};
  spec.amr = {"pwd", "otp"};
  spec.extra = {{"tenant", "acme"}, {"scope", bj::array{"a", "b"}}};
  IssuedToken t = issuer.issue(spec).value();
  EXPECT_EQ(t.token.find('='), std::string::npos);
  EXPECT_EQ(t.expires_in, 900);
  EXPECT_EQ(t.expires_at, now_s() + 900);

  auto parts = split(t.token);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(bj::parse(b64url_decode(parts[0])),
            bj::parse(R"({"alg":"EdDSA","typ":"JWT","kid":")" + key->kid() + R"("})"));

  auto c = verifier.verify(t.token).value();
  EXPECT_EQ(c->sub, "user-42");
  EXPECT_EQ(c->sid, "sess-7");
  EXPECT_EQ(c->iss, "https://switchboard.test");
  EXPECT_EQ(c->aud, std::vector<std::string>{"switchboard-api"});
  EXPECT_EQ(c->roles, (std::vector<std::string>{"admin", "user"}));
  EXPECT_EQ(c->amr, (std::vector<std::string>{"pwd", "otp"}));
  EXPECT_EQ(c->jti, t.jti);
  EXPECT_GE(c->jti.size(), 22u);
  EXPECT_EQ(c->iat, now_s());
  EXPECT_EQ(c->exp, t.expires_at);
  EXPECT_FALSE(c->nbf.has_value());
  EXPECT_EQ(c->kid, key->kid());
  EXPECT_EQ(c->extra, (bj::object{{"tenant", "acme"}, {"scope", bj::array{"a", "b"}}}));
  EXPECT_TRUE(c->has_role("admin"));
  EXPECT_FALSE(c->has_role("root"));
  EXPECT_NE(issue(spec), t.token);  // fresh jti each time
}

TEST_F(JwtTest, IssueRejectsBadSpecsAndEmptyRing) {
  EXPECT_EQ(issuer.issue(TokenSpec{}).status().code(), Code::kInvalidArgument);
  TokenSpec spec{.sub = "u"};
  spec.extra = {{"exp", 1}};
  EXPECT_EQ(issuer.issue(spec).status().code(), Code::kInvalidArgument);
  spec.extra = {};
  spec.ttl = seconds(0);
  EXPECT_EQ(issuer.issue(spec).status().code(), Code::kInvalidArgument);

  KeyRing empty;
  EXPECT_EQ(JwtIssuer(empty, clock, options()).issue({.sub = "u"}).status().code(),
            Code::kUnavailable);
  EXPECT_FALSE(JwtVerifier(empty, clock, options()).verify(issue()).ok());
  EXPECT_FALSE(JwtOptions{}.validate().is_ok());
  EXPECT_TRUE(options().validate().is_ok());
}

TEST_F(JwtTest, CacheHitReturnsSameClaimsObject) {
  std::string t = issue();
  auto a = verifier.verify(t).value();
  auto b = verifier.verify(t).value();
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(uncached.verify(t).value().get(), uncached.verify(t).value().get());
}

TEST(VerifiedTokenCache, StaysWithinCapacity) {
  VerifiedTokenCache cache(32);
  auto c = std::make_shared<const Claims>();
  for (int i = 0; i < 1000; ++i) cache.insert("token-" + std::to_string(i), c, 1'000'000, 0);
  EXPECT_LE(cache.size(), 32u);
  EXPECT_GT(cache.size(), 0u);
  cache.insert("kept", c, 1'000'000, 0);
  EXPECT_EQ(cache.find("kept"), c);
  EXPECT_EQ(cache.find("kep"), nullptr);
}

// ---- algorithm pinning -----------------------------------------------------

TEST_F(JwtTest, RejectsAlgNoneInAnyCaseWithEmptySignature) {
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    SCOPED_TRACE(alg);
    std::string unsigned_token =
        b64url(bj::serialize(header(alg))) + "." + b64url(bj::serialize(claims())) + ".";
    expect_rejected(unsigned_token, "unsigned");
    bj::object no_kid{{"alg", alg}};
    expect_rejected(b64url(bj::serialize(no_kid)) + "." + b64url(bj::serialize(claims())) + ".",
                    "unsigned");
  }
}

TEST_F(JwtTest, RejectsHmacSignedWithThePublicKeyAsSecret) {
  const std::string secrets[] = {key->public_raw(), b64url(key->public_raw()), ring.jwks_json(),
                                 bj::serialize(key->public_jwk())};
  const std::pair<const char*, const EVP_MD*> algs[] = {
      {"HS256", EVP_sha256()}, {"HS384", EVP_sha384()}, {"HS512", EVP_sha512()}};
  for (const auto& [alg, md] : algs) {
    for (const auto& secret : secrets) {
      SCOPED_TRACE(alg);
      std::string input = b64url(bj::serialize(header(alg))) + "." + b64url(bj::serialize(claims()));
      unsigned char mac[64];
      unsigned int len = 0;
      HMAC(md, secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &len);
      std::string token = input + "." + b64url(std::string(reinterpret_cast<char*>(mac), len));
      expect_rejected(token, "algorithm not allowed");
    }
  }
}

TEST_F(JwtTest, RejectsAlgThatOnlyDiffersInCaseFromTheKeysAlg) {
  expect_rejected(craft(header("eddsa"), claims()), "algorithm not allowed");
  expect_rejected(craft(header("ES256"), claims()), "algorithm not allowed");
  expect_valid(craft(header("EdDSA"), claims()));
}

TEST_F(JwtTest, RejectsUnknownKid) {
  SigningKeyPtr stranger = new_key();
  bj::object h{{"alg", "EdDSA"}, {"typ", "JWT"}, {"kid", stranger->kid()}};
  expect_rejected(craft(h, claims(), stranger), "unknown signing key");
}

TEST_F(JwtTest, RejectsMissingOrNonStringKid) {
  expect_rejected(craft({{"alg", "EdDSA"}, {"typ", "JWT"}}, claims()), "missing kid");
  expect_rejected(craft({{"alg", "EdDSA"}, {"kid", 7}}, claims()), "missing kid");
  expect_rejected(craft({{"kid", key->kid()}}, claims()), "missing alg");
}

TEST_F(JwtTest, RejectsOurKidOnAnotherKeysSignature) {
  expect_rejected(craft(header(), claims(), new_key()), "bad signature");
}

TEST_F(JwtTest, RejectsCritAndForeignTyp) {
  bj::object h = header();
  h["crit"] = bj::array{"b64"};
  h["b64"] = false;
  expect_rejected(craft(h, claims()), "critical");
  h = header();
  h["typ"] = "JWE";
  expect_rejected(craft(h, claims()), "token type");
}

// ---- malformed input -------------------------------------------------------

TEST_F(JwtTest, RejectsWrongSegmentCounts) {
  auto p = split(issue());
  for (const std::string& t : {std::string("abc"), p[0] + "." + p[1], p[0] + "." + p[1] + "." + p[2] + ".x",
                               p[0] + "." + p[1] + "." + p[2] + ".x.y", std::string(".."),
                               std::string(9000, 'a')})
    EXPECT_FALSE(verifier.verify(t).ok()) << t.size();
  expect_rejected(p[0] + "." + p[1], "malformed token");
  expect_rejected("", "missing token");
}

TEST_F(JwtTest, RejectsMalformedBase64) {
  auto p = split(issue());
  expect_rejected("*" + p[0].substr(1) + "." + p[1] + "." + p[2], "malformed header");
  expect_rejected(p[0] + "=." + p[1] + "." + p[2], "malformed header");
  expect_rejected(p[0] + "." + p[1] + "." + p[2] + "=", "malformed signature");
  expect_rejected(p[0] + "." + p[1] + "." + p[2].substr(0, 85) + "!", "malformed signature");
  // 64 bytes -> 86 chars with 4 unused low bits: a non-zero tail decodes to
  // the same bytes in lax decoders, so only a strict decoder rejects it.
  std::string sig = p[2];
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  sig.back() = alphabet[(alphabet.find(sig.back()) & ~15u) | 1];
  expect_rejected(p[0] + "." + p[1] + "." + sig, "malformed signature");
}

TEST_F(JwtTest, RejectsMalformedJson) {
  auto p = split(issue());
  expect_rejected(b64url("{\"alg\":") + "." + p[1] + "." + p[2], "malformed header");
  expect_rejected(b64url("[\"EdDSA\"]") + "." + p[1] + "." + p[2], "malformed header");
  // Validly signed, so the payload itself is the only fault.
  auto sign_payload = [&](const std::string& payload_json) {
    std::string input = p[0] + "." + b64url(payload_json);
    return input + "." + b64url(key->sign(input).value());
  };
  expect_rejected(sign_payload("{\"sub\":"), "malformed payload");
  expect_rejected(sign_payload("[1,2]"), "malformed payload");
  expect_rejected(sign_payload(std::string(40, '[') + std::string(40, ']')), "malformed payload");
  bj::object c = claims();
  c["exp"] = "tomorrow";
  expect_rejected(craft(header(), c), "malformed claims");
  c = claims();
  c["exp"] = 1.7e9;
  expect_rejected(craft(header(), c), "malformed claims");
  c = claims();
  c["roles"] = bj::array{"admin", 1};
  expect_rejected(craft(header(), c), "malformed claims");
}

// ---- signature -------------------------------------------------------------

TEST_F(JwtTest, RejectsFlippedOrTruncatedSignature) {
  std::string t = issue();
  auto p = split(t);
  std::string sig = b64url_decode(p[2]);
  sig[10] ^= 0x01;
  expect_rejected(p[0] + "." + p[1] + "." + b64url(sig), "bad signature");
  expect_rejected(p[0] + "." + p[1] + "." + b64url(sig.substr(0, 63)), "bad signature");
  expect_rejected(p[0] + "." + p[1] + ".", "bad signature");
}

TEST_F(JwtTest, RejectsTamperedPayload) {
  std::string t = issue({.sub = "user-1", .roles = {"user"}});
  auto p = split(t);
  bj::object c = bj::parse(b64url_decode(p[1])).as_object();
  c["roles"] = bj::array{"admin"};
  expect_rejected(p[0] + "." + b64url(bj::serialize(c)) + "." + p[2], "bad signature");
  expect_valid(t);
}

// ---- time ------------------------------------------------------------------

TEST_F(JwtTest, RejectsExpiredOnceLeewayIsUsedUp) {
  std::string t = issue({.sub = "u", .ttl = seconds(60)});
  expect_valid(t);  // now cached: expiry must still bite on a cache hit
  clock.advance(seconds(60 + 29));
  expect_valid(t);
  clock.advance(seconds(1));  // exp == now - leeway
  expect_rejected(t, "expired");
}

TEST_F(JwtTest, LeewayIsConfigurable) {
  std::string t = issue({.sub = "u", .ttl = seconds(60)});
  JwtOptions strict = options(), lax = options();
  strict.leeway = seconds(0);
  lax.leeway = seconds(300);
  JwtVerifier strict_v(ring, clock, strict), lax_v(ring, clock, lax);
  clock.advance(seconds(59));
  EXPECT_TRUE(strict_v.verify(t).ok());
  clock.advance(seconds(1));
  EXPECT_FALSE(strict_v.verify(t).ok());
  clock.advance(seconds(200));
  EXPECT_TRUE(lax_v.verify(t).ok());
}

TEST_F(JwtTest, RejectsNotYetValid) {
  std::string t = issue({.sub = "u", .not_before = now_s() + 31});
  expect_rejected(t, "not yet valid");
  clock.advance(seconds(1));
  expect_valid(t);
  bj::object c = claims();
  c["nbf"] = now_s() + 3600;
  expect_rejected(craft(header(), c), "not yet valid");
}

TEST_F(JwtTest, RejectsIatInTheFutureBeyondLeeway) {
  bj::object c = claims();
  c["iat"] = now_s() + 31;
  expect_rejected(craft(header(), c), "future");
  c["iat"] = now_s() + 30;
  expect_valid(craft(header(), c));
}

// ---- issuer, audience, required claims -------------------------------------

TEST_F(JwtTest, RejectsWrongIssuer) {
  JwtOptions other = options();
  other.issuer = "https://evil.test";
  expect_rejected(JwtIssuer(ring, clock, other).issue({.sub = "u"}).value().token, "wrong issuer");
}

TEST_F(JwtTest, AudienceMayBeStringOrArrayButMustContainOurs) {
  bj::object c = claims();
  c["aud"] = "other-api";
  expect_rejected(craft(header(), c), "wrong audience");
  c["aud"] = bj::array{"other-api", "third"};
  expect_rejected(craft(header(), c), "wrong audience");
  c["aud"] = bj::array{};
  expect_rejected(craft(header(), c), "wrong audience");
  c["aud"] = 5;
  expect_rejected(craft(header(), c), "malformed claims");
  c["aud"] = bj::array{"other-api", "switchboard-api"};
  expect_valid(craft(header(), c));
}

TEST_F(JwtTest, RejectsMissingRequiredClaims) {
  for (const char* name : {"sub", "iss", "aud", "exp", "iat", "jti"}) {
    SCOPED_TRACE(name);
    bj::object c = claims();
    c.erase(name);
    expect_rejected(craft(header(), c), "missing required claim");
  }
  bj::object c = claims();
  c["sub"] = "";
  expect_rejected(craft(header(), c), "missing required claim");
  expect_valid(craft(header(), claims()));
}

// ---- rotation and JWKS -----------------------------------------------------

TEST_F(JwtTest, RotationKeepsPreviousKeyUntilRetireAfterThenPruneDropsIt) {
  std::string old_token = issue({.sub = "u", .ttl = seconds(900)});
  expect_valid(old_token);  // cached under the old key
  SigningKeyPtr next = new_key();
  // Normally rotation time + access TTL + leeway; shorter here so the old
  // token is still unexpired when its key goes away.
  const int64_t retire_after = clock.now_ms() + 600'000;
  ASSERT_TRUE(ring.rotate(next, retire_after).is_ok());
  EXPECT_EQ(ring.rotate(next, retire_after).code(), Code::kAlreadyExists);
  EXPECT_EQ(ring.current(), next);

  std::string new_token = issue();
  EXPECT_EQ(verifier.verify(new_token).value()->kid, next->kid());
  expect_valid(old_token);

  clock.set_now_ms(retire_after);
  EXPECT_EQ(ring.prune(clock.now_ms()), 0u);
  EXPECT_EQ(ring.snapshot()->retired.size(), 1u);
  expect_valid(old_token);
  clock.advance(std::chrono::milliseconds(1));
  // Past retire_after the old key no longer verifies, even before a prune.
  expect_rejected(old_token, "retired");
  EXPECT_EQ(ring.prune(clock.now_ms()), 1u);
  expect_rejected(old_token, "unknown signing key");
  expect_valid(new_token);
  EXPECT_TRUE(ring.snapshot()->retired.empty());
  EXPECT_EQ(bj::parse(ring.jwks_json()).at("keys").as_array().size(), 1u);
}

TEST_F(JwtTest, JwksListsBothKeysDuringOverlapWithTheRightFields) {
  SigningKeyPtr next = new_key();
  ASSERT_TRUE(ring.rotate(next, clock.now_ms() + 60'000).is_ok());
  bj::value doc = bj::parse(ring.jwks_json());
  const bj::array& keys = doc.at("keys").as_array();
  ASSERT_EQ(keys.size(), 2u);
  std::vector<SigningKeyPtr> expected{next, key};  // current first
  for (size_t i = 0; i < keys.size(); ++i) {
    const bj::object& k = keys[i].as_object();
    EXPECT_EQ(k.size(), 6u);
    EXPECT_EQ(k.at("kty"), "OKP");
    EXPECT_EQ(k.at("crv"), "Ed25519");
    EXPECT_EQ(k.at("alg"), "EdDSA");
    EXPECT_EQ(k.at("use"), "sig");
    EXPECT_EQ(std::string_view(k.at("kid").as_string()), expected[i]->kid());
    EXPECT_EQ(b64url_decode(std::string(k.at("x").as_string())), expected[i]->public_raw());
  }
}

TEST(KeyRing, LoadReplacesKeysAndRefusesDuplicates) {
  SigningKeyPtr a = new_key(), b = new_key();
  KeyRing ring;
  EXPECT_EQ(ring.current(), nullptr);
  EXPECT_EQ(ring.jwks_json(), R"({"keys":[]})");
  EXPECT_EQ(ring.load(a, {{a, 10}}).code(), Code::kInvalidArgument);
  EXPECT_EQ(ring.load(nullptr, {}).code(), Code::kInvalidArgument);
  ASSERT_TRUE(ring.load(b, {{a, 10}}).is_ok());
  EXPECT_EQ(ring.current(), b);
  std::optional<int64_t> retire;
  EXPECT_EQ(ring.snapshot()->find(a->kid(), &retire), a.get());
  EXPECT_EQ(retire, 10);
}

TEST_F(JwtTest, VerifiesConcurrentlyWhileKeysRotate) {
  std::string t = issue();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      for (int n = 0; n < 100; ++n)
        if (!(n % 2 ? verifier : uncached).verify(t).ok()) ++failures;
    });
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(ring.rotate(new_key(), clock.now_ms() + 3'600'000).is_ok());
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(ring.snapshot()->retired.size(), 20u);
}

}  // namespace
}  // namespace sb::identity
