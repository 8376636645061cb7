#include "identity/totp.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "core/crypto.h"

namespace sb::identity {
namespace {

// RFC 4226 App. D / RFC 6238 App. B vectors, copied from shared/testdata so a
// clone tests without shared/ beside it.
constexpr const char* kVectorsPath = SB_SOURCE_DIR "/tests/data/totp-hotp-vectors.json";

boost::json::value load_vectors() {
  std::ifstream in(kVectorsPath);
  EXPECT_TRUE(in.good()) << "cannot open " << kVectorsPath;
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str());
}

std::string hex_decode(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

Totp make_totp(const Clock& clock, TotpParams p = {}) {
  auto t = Totp::create(clock, p);
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return std::move(t).value();
}

const std::string kRfcSecret = "12345678901234567890";

TEST(Hotp, MatchesEveryRfc4226Vector) {
  auto doc = load_vectors();
  const auto& h = doc.at("hotp").as_object();
  std::string secret = hex_decode(str(h.at("secret").at("hex")));
  ASSERT_EQ(secret, kRfcSecret);
  const auto& cases = h.at("cases").as_array();
  ASSERT_EQ(cases.size(), 10u);
  for (const auto& c : cases) {
    uint64_t counter = static_cast<uint64_t>(c.at("counter").as_int64());
    auto code = hotp(secret, counter, 6, OtpAlgorithm::kSha1);
    ASSERT_TRUE(code.ok());
    EXPECT_EQ(*code, str(c.at("hotp"))) << "counter " << counter;
  }
}

TEST(Hotp, RejectsDigitsOutOfRangeAndEmptySecret) {
  EXPECT_EQ(hotp(kRfcSecret, 0, 5).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(hotp(kRfcSecret, 0, 9).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(hotp("", 0, 6).status().code(), Code::kInvalidArgument);
  auto seven = hotp(kRfcSecret, 0, 7);
  ASSERT_TRUE(seven.ok());
  EXPECT_EQ(*seven, "4755224");  // 1284755224 mod 10^7, RFC 4226 Appendix D
}

TEST(Totp, MatchesEveryRfc6238Vector) {
  auto doc = load_vectors();
  const auto& t = doc.at("totp").as_object();
  const auto& cases = t.at("cases").as_array();
  ASSERT_EQ(cases.size(), 18u);
  for (const auto& c : cases) {
    std::string alg_name = str(c.at("algorithm"));
    auto alg = parse_otp_algorithm(alg_name);
    ASSERT_TRUE(alg.has_value()) << alg_name;
    std::string secret = hex_decode(str(t.at("seeds").at(alg_name).at("hex")));
    // The base32 given in the file must decode to the same seed.
    auto from_b32 = base32_decode(str(t.at("seeds").at(alg_name).at("base32")));
    ASSERT_TRUE(from_b32.has_value());
    EXPECT_EQ(*from_b32, secret);

    int64_t unix_s = c.at("unix_time").as_int64();
    ManualClock clock(unix_s * 1000);
    Totp totp = make_totp(clock, {.algorithm = *alg, .digits = 8, .period_s = 30});
    int64_t expected_step = std::stoll(str(c.at("T_hex")), nullptr, 16);
    EXPECT_EQ(totp.current_step(), expected_step) << unix_s;
    EXPECT_EQ(totp.current_code(secret), str(c.at("totp"))) << alg_name << " @ " << unix_s;
    auto matched = totp.verify(secret, str(c.at("totp")));
    ASSERT_TRUE(matched.ok()) << matched.status().to_string();
    EXPECT_EQ(*matched, expected_step);
  }
}

// Runs `oathtool` and returns its single output line, or nullopt when absent.
std::optional<std::string> run_oathtool(const std::string& args) {
  if (access("/usr/bin/oathtool", X_OK) != 0) return std::nullopt;
  std::string cmd = "/usr/bin/oathtool " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  char buf[256];
  std::string out;
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

TEST(Totp, AgreesWithOathtool) {
  if (access("/usr/bin/oathtool", X_OK) != 0) GTEST_SKIP() << "oathtool not installed";
  struct Case {
    OtpAlgorithm alg;
    const char* flag;
    int digits;
    int period;
  };
  const Case cases[] = {{OtpAlgorithm::kSha1, "sha1", 6, 30},
                        {OtpAlgorithm::kSha256, "sha256", 8, 30},
                        {OtpAlgorithm::kSha512, "sha512", 7, 60}};
  const int64_t times[] = {1'111'111'109, 1'700'000'000, 1'700'000'029, 1'893'456'000, 4'102'444'800};
  for (int round = 0; round < 2; ++round) {
    std::string secret = generate_totp_secret();
    std::string b32 = base32_encode(secret);
    for (const auto& c : cases) {
      for (int64_t t : times) {
        ManualClock clock(t * 1000);
        Totp totp = make_totp(clock, {.algorithm = c.alg, .digits = c.digits, .period_s = c.period});
        auto expected = run_oathtool("--totp=" + std::string(c.flag) + " -b " + b32 + " -d " +
                                     std::to_string(c.digits) + " -s " + std::to_string(c.period) +
                                     "s -N @" + std::to_string(t));
        ASSERT_TRUE(expected.has_value());
        EXPECT_EQ(totp.current_code(secret), *expected) << c.flag << " @ " << t << " " << b32;
      }
    }
  }
}

TEST(Totp, AcceptsOneStepEitherSideAndRejectsTwo) {
  ManualClock clock(1'700'000'015'000);  // middle of a step
  Totp totp = make_totp(clock);
  int64_t now = totp.current_step();
  for (int64_t d : {-1, 0, 1}) {
    auto r = totp.verify(kRfcSecret, totp.code_at_step(kRfcSecret, now + d));
    ASSERT_TRUE(r.ok()) << "offset " << d;
    EXPECT_EQ(*r, now + d);
  }
  for (int64_t d : {-2, 2, -3, 3}) {
    std::string code = totp.code_at_step(kRfcSecret, now + d);
    // Guard against the 1e-6 chance that the far code equals an in-window one.
    bool collides = false;
    for (int64_t w : {-1, 0, 1}) collides |= code == totp.code_at_step(kRfcSecret, now + w);
    if (collides) continue;
    auto r = totp.verify(kRfcSecret, code);
    EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << "offset " << d;
  }
}

TEST(Totp, WindowIsConfigurable) {
  ManualClock clock(1'700'000'015'000);
  Totp strict = make_totp(clock, {.window = 0});
  Totp loose = make_totp(clock, {.window = 2});
  int64_t now = strict.current_step();
  std::string prev = strict.code_at_step(kRfcSecret, now - 1);
  std::string two_back = strict.code_at_step(kRfcSecret, now - 2);
  EXPECT_FALSE(strict.verify(kRfcSecret, prev).ok());
  EXPECT_TRUE(strict.verify(kRfcSecret, strict.current_code(kRfcSecret)).ok());
  auto r = loose.verify(kRfcSecret, two_back);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, now - 2);
}

TEST(Totp, CodeCannotBeReusedWithinItsWindow) {
  ManualClock clock(1'700'000'000'000);
  Totp totp = make_totp(clock);
  std::string code = totp.current_code(kRfcSecret);
  auto first = totp.verify(kRfcSecret, code);
  ASSERT_TRUE(first.ok());
  int64_t last_used = *first;

  // Same code again, still inside its window: refused.
  auto again = totp.verify(kRfcSecret, code, last_used);
  EXPECT_EQ(again.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(again.status().message(), "code already used");

  // An older code still inside the window is refused too.
  std::string older = totp.code_at_step(kRfcSecret, last_used - 1);
  EXPECT_FALSE(totp.verify(kRfcSecret, older, last_used).ok());

  // Next period: the new code is accepted and moves last_used forward; the
  // old one, though still within ±1, stays dead.
  clock.advance(Millis(30'000));
  auto next = totp.verify(kRfcSecret, totp.current_code(kRfcSecret), last_used);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, last_used + 1);
  EXPECT_FALSE(totp.verify(kRfcSecret, code, *next).ok());
}

TEST(Totp, CheckNotReusedHelper) {
  EXPECT_TRUE(check_not_reused(10, std::nullopt).is_ok());
  EXPECT_TRUE(check_not_reused(11, 10).is_ok());
  EXPECT_EQ(check_not_reused(10, 10).code(), Code::kUnauthenticated);
  EXPECT_EQ(check_not_reused(9, 10).code(), Code::kUnauthenticated);
}

TEST(Totp, MalformedCodeNamesTheField) {
  ManualClock clock;
  Totp totp = make_totp(clock);
  for (std::string bad : {"", "12345", "1234567", "12a456", " 123456"}) {
    auto r = totp.verify(kRfcSecret, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << bad;
    ASSERT_EQ(r.status().fields().size(), 1u);
    EXPECT_EQ(r.status().fields()[0].field, "/code");
  }
}

TEST(Totp, ParamsAreValidated) {
  ManualClock clock;
  EXPECT_FALSE(Totp::create(clock, {.digits = 5}).ok());
  EXPECT_FALSE(Totp::create(clock, {.digits = 9}).ok());
  EXPECT_FALSE(Totp::create(clock, {.period_s = 0}).ok());
  EXPECT_FALSE(Totp::create(clock, {.window = 11}).ok());
  Status s = validate(TotpParams{.digits = 4, .window = -1});
  ASSERT_EQ(s.fields().size(), 2u);
  EXPECT_EQ(s.fields()[0].field, "/digits");
  EXPECT_EQ(s.fields()[1].field, "/window");
  EXPECT_TRUE(validate(TotpParams{}).is_ok());
}

TEST(Totp, StepIsFloorOfTimeOverPeriod) {
  TotpParams p;
  EXPECT_EQ(totp_step(0, p), 0);
  EXPECT_EQ(totp_step(29'999, p), 0);
  EXPECT_EQ(totp_step(30'000, p), 1);
  EXPECT_EQ(totp_step(59'000, p), 1);
  EXPECT_EQ(totp_step(20'000'000'000'000, p), 0x27BC86AA);
  p.t0_s = 100;
  EXPECT_EQ(totp_step(99'000, p), -1);
  EXPECT_EQ(totp_step(130'000, p), 1);
}

TEST(Base32, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},          {"f", "MY======"},     {"fo", "MZXQ===="},         {"foo", "MZXW6==="},
      {"foob", "MZXW6YQ="}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI======"}};
  for (auto [raw, enc] : vectors) {
    EXPECT_EQ(base32_encode(raw, /*pad=*/true), enc);
    std::string unpadded(enc);
    unpadded.erase(unpadded.find_last_not_of('=') + 1);
    EXPECT_EQ(base32_encode(raw), unpadded);
    auto d1 = base32_decode(enc);
    auto d2 = base32_decode(unpadded);
    ASSERT_TRUE(d1.has_value()) << enc;
    ASSERT_TRUE(d2.has_value()) << unpadded;
    EXPECT_EQ(*d1, raw);
    EXPECT_EQ(*d2, raw);
  }
  EXPECT_EQ(base32_decode("mzxw6ytboi"), "foobar");  // lower case accepted
}

TEST(Base32, RejectsMalformedText) {
  for (std::string bad : {"A", "ABC", "ABCDEF", "MZXW6YR", "MZXW6YT1", "MZXW6Y0B", "MZXW 6YTB",
                          "MZ",          // trailing bits not zero
                          "MY=====",     // padding to a non-multiple of 8
                          "========",    // a whole quantum of padding
                          "MZXW6YTB========"})
    EXPECT_FALSE(base32_decode(bad).has_value()) << bad;
}

TEST(Base32, RoundTripsRandomBytes) {
  for (size_t n = 0; n <= 64; ++n) {
    std::string raw = crypto::random_bytes(n);
    for (bool pad : {false, true}) {
      auto back = base32_decode(base32_encode(raw, pad));
      ASSERT_TRUE(back.has_value()) << n;
      EXPECT_EQ(*back, raw) << n;
    }
  }
}

TEST(Totp, GeneratedSecretsAreTwentyRandomBytes) {
  std::string a = generate_totp_secret();
  std::string b = generate_totp_secret();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_NE(a, b);
  EXPECT_EQ(base32_encode(a).size(), 32u);
}

TEST(Totp, ProvisioningUriIsExact) {
  EXPECT_EQ(totp_provisioning_uri("Switchboard", "alice@example.com", kRfcSecret),
            "otpauth://totp/Switchboard:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=Switchboard&algorithm=SHA1&digits=6&period=30");
  std::string secret32 = "12345678901234567890123456789012";  // base32 needs padding: must be dropped
  EXPECT_EQ(totp_provisioning_uri("Acme Co: Prod", "bob smith+1@x.io", secret32,
                                  {.algorithm = OtpAlgorithm::kSha256, .digits = 8, .period_s = 60}),
            "otpauth://totp/Acme%20Co%3A%20Prod:bob%20smith%2B1%40x.io"
            "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
            "&issuer=Acme%20Co%3A%20Prod&algorithm=SHA256&digits=8&period=60");
  EXPECT_EQ(totp_provisioning_uri("", "carol", kRfcSecret),
            "otpauth://totp/carol?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&algorithm=SHA1&digits=6&period=30");
}

TEST(Totp, AlgorithmNamesRoundTrip) {
  for (auto alg : {OtpAlgorithm::kSha1, OtpAlgorithm::kSha256, OtpAlgorithm::kSha512})
    EXPECT_EQ(parse_otp_algorithm(otp_algorithm_name(alg)), alg);
  EXPECT_EQ(parse_otp_algorithm("sha256"), OtpAlgorithm::kSha256);
  EXPECT_FALSE(parse_otp_algorithm("MD5").has_value());
}

}  // namespace
}  // namespace sb::identity
