#include "identity/one_time_code.h"

#include <gtest/gtest.h>

#include <array>
#include <cctype>
#include <set>

namespace sb::identity {
namespace {

const std::string kPepper(32, 'p');

CodeHasher make_hasher(std::string pepper = kPepper) {
  auto h = CodeHasher::create(std::move(pepper));
  EXPECT_TRUE(h.ok());
  return std::move(h).value();
}

bool is_lower_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

TEST(NumericCode, HasExactLengthAndOnlyDigits) {
  for (int len = 1; len <= 12; ++len) {
    for (int i = 0; i < 50; ++i) {
      std::string code = generate_numeric_code(len);
      ASSERT_EQ(code.size(), static_cast<size_t>(len));
      for (char c : code) ASSERT_TRUE(c >= '0' && c <= '9') << code;
    }
  }
  EXPECT_EQ(generate_numeric_code().size(), 6u);
}

TEST(NumericCode, DigitsAreUniform) {
  // 300k digits: a plain `byte % 10` (6/10 digits favoured by 1/256) gives a
  // chi-square near 110 here; an unbiased generator stays below 40 (9 degrees
  // of freedom, p < 1e-5), so this test can tell the two apart.
  std::array<int, 10> counts{};
  std::array<int, 10> first{};
  const int kCodes = 50'000;
  for (int i = 0; i < kCodes; ++i) {
    std::string code = generate_numeric_code(6);
    for (char c : code) ++counts[static_cast<size_t>(c - '0')];
    ++first[static_cast<size_t>(code[0] - '0')];
  }
  double expected = kCodes * 6 / 10.0;
  double chi2 = 0;
  for (int n : counts) chi2 += (n - expected) * (n - expected) / expected;
  EXPECT_LT(chi2, 40.0);
  for (int d = 0; d < 10; ++d) {
    EXPECT_GT(counts[static_cast<size_t>(d)], 0) << d;
    EXPECT_GT(first[static_cast<size_t>(d)], 0) << "leading digit " << d;  // leading zeros kept
  }
}

TEST(CodeHasher, RequiresALongPepper) {
  auto short_pepper = CodeHasher::create("too short");
  ASSERT_FALSE(short_pepper.ok());
  EXPECT_EQ(short_pepper.status().fields()[0].field, "/pepper");
  EXPECT_TRUE(CodeHasher::create(std::string(32, 'x')).ok());
}

TEST(CodeHasher, HashIsKeyedAndBoundToContext) {
  CodeHasher h = make_hasher();
  std::string hash = h.hash("otp:+15551234567", "123456");
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_TRUE(is_lower_hex(hash));
  EXPECT_EQ(hash, h.hash("otp:+15551234567", "123456"));  // deterministic
  EXPECT_TRUE(h.verify("otp:+15551234567", "123456", hash));
  EXPECT_FALSE(h.verify("otp:+15551234567", "123457", hash));
  EXPECT_FALSE(h.verify("otp:+15557654321", "123456", hash));  // another phone's row
  EXPECT_FALSE(make_hasher(std::string(32, 'q')).verify("otp:+15551234567", "123456", hash));
  // The separator keeps context/code boundaries apart.
  EXPECT_NE(h.hash("ab", "c"), h.hash("a", "bc"));
}

class OtpPolicyTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  CodeHasher hasher_ = make_hasher();
  OtpAttemptPolicy policy_ = make_policy({});
  const std::string ctx_ = "otp:+15551234567";

  OtpAttemptPolicy make_policy(OtpPolicy p) {
    auto r = OtpAttemptPolicy::create(clock_, hasher_, p);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return std::move(r).value();
  }

  IssuedOtp issue(const std::optional<OtpState>& prev = std::nullopt) {
    auto r = policy_.issue(ctx_, prev);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return std::move(r).value();
  }

  // A code of the right shape that is not `code`.
  static std::string wrong(const std::string& code) {
    std::string w = code;
    w[0] = w[0] == '9' ? '0' : static_cast<char>(w[0] + 1);
    return w;
  }
};

TEST_F(OtpPolicyTest, DefaultsMatchTheIssue) {
  EXPECT_EQ(policy_.policy().code_length, 6);
  EXPECT_EQ(policy_.policy().max_attempts, 5);
  EXPECT_EQ(policy_.policy().ttl_ms, 300'000);
  EXPECT_EQ(policy_.policy().resend_cooldown_ms, 60'000);
}

TEST_F(OtpPolicyTest, IssueStoresOnlyAHash) {
  IssuedOtp otp = issue();
  EXPECT_EQ(otp.code.size(), 6u);
  EXPECT_EQ(otp.state.code_hash, hasher_.hash(ctx_, otp.code));
  EXPECT_EQ(otp.state.code_hash.find(otp.code), std::string::npos);
  EXPECT_EQ(otp.state.issued_ms, clock_.now_ms());
  EXPECT_EQ(otp.state.expires_ms, clock_.now_ms() + 300'000);
  EXPECT_EQ(otp.state.attempts, 0);
  EXPECT_FALSE(otp.state.consumed);
}

TEST_F(OtpPolicyTest, CorrectCodeIsAcceptedOnce) {
  IssuedOtp otp = issue();
  EXPECT_EQ(policy_.verify(ctx_, otp.code, otp.state), OtpOutcome::kAccepted);
  EXPECT_TRUE(otp.state.consumed);
  EXPECT_EQ(policy_.verify(ctx_, otp.code, otp.state), OtpOutcome::kAlreadyUsed);
}

TEST_F(OtpPolicyTest, FiveWrongAttemptsKillTheCode) {
  IssuedOtp otp = issue();
  for (int i = 1; i <= 5; ++i) {
    EXPECT_EQ(policy_.verify(ctx_, wrong(otp.code), otp.state), OtpOutcome::kWrongCode);
    EXPECT_EQ(otp.state.attempts, i);
  }
  // Even the right code fails once the budget is spent.
  EXPECT_EQ(policy_.verify(ctx_, otp.code, otp.state), OtpOutcome::kAttemptsExhausted);
  EXPECT_FALSE(otp.state.consumed);
  EXPECT_EQ(otp.state.attempts, 5);
}

TEST_F(OtpPolicyTest, RightCodeAfterFewerWrongAttemptsWorks) {
  IssuedOtp otp = issue();
  for (int i = 0; i < 4; ++i) policy_.verify(ctx_, wrong(otp.code), otp.state);
  EXPECT_EQ(policy_.verify(ctx_, otp.code, otp.state), OtpOutcome::kAccepted);
}

TEST_F(OtpPolicyTest, MalformedInputIsNotCountedAsAnAttempt) {
  IssuedOtp otp = issue();
  for (std::string bad : {"", "12a456", "123", "1234567890123", "12 3456"})
    EXPECT_EQ(policy_.verify(ctx_, bad, otp.state), OtpOutcome::kMalformed) << bad;
  EXPECT_EQ(otp.state.attempts, 0);
  EXPECT_EQ(policy_.verify(ctx_, otp.code, otp.state), OtpOutcome::kAccepted);
}

TEST_F(OtpPolicyTest, CodeExpiresAfterTtl) {
  IssuedOtp otp = issue();
  OtpState copy = otp.state;
  clock_.advance(Millis(300'000 - 1));
  EXPECT_EQ(policy_.verify(ctx_, otp.code, copy), OtpOutcome::kAccepted);
  clock_.advance(Millis(1));
  EXPECT_EQ(policy_.verify(ctx_, otp.code, otp.state), OtpOutcome::kExpired);
  EXPECT_FALSE(otp.state.consumed);
}

TEST_F(OtpPolicyTest, ResendWaitsForCooldown) {
  IssuedOtp first = issue();
  clock_.advance(Millis(59'000));
  EXPECT_EQ(policy_.resend_wait_ms(first.state), 1'000);
  auto early = policy_.issue(ctx_, first.state);
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), Code::kResourceExhausted);
  EXPECT_NE(early.status().message().find("1 s"), std::string::npos) << early.status().message();

  clock_.advance(Millis(1'000));
  EXPECT_EQ(policy_.resend_wait_ms(first.state), 0);
  IssuedOtp second = issue(first.state);
  // The new state replaces the old; the old code does not verify against it
  // (unless the random codes happen to be equal).
  if (second.code != first.code) {
    EXPECT_EQ(policy_.verify(ctx_, first.code, second.state), OtpOutcome::kWrongCode);
  }
  EXPECT_EQ(policy_.verify(ctx_, second.code, second.state), OtpOutcome::kAccepted);
}

TEST_F(OtpPolicyTest, CooldownStillAppliesAfterAttemptsRunOut) {
  IssuedOtp otp = issue();
  for (int i = 0; i < 5; ++i) policy_.verify(ctx_, wrong(otp.code), otp.state);
  EXPECT_GT(policy_.resend_wait_ms(otp.state), 0);
  EXPECT_FALSE(policy_.issue(ctx_, otp.state).ok());
}

TEST_F(OtpPolicyTest, NoCooldownAfterSuccessOrWithoutPreviousCode) {
  EXPECT_EQ(policy_.resend_wait_ms(std::nullopt), 0);
  IssuedOtp otp = issue();
  ASSERT_EQ(policy_.verify(ctx_, otp.code, otp.state), OtpOutcome::kAccepted);
  EXPECT_EQ(policy_.resend_wait_ms(otp.state), 0);
  EXPECT_TRUE(policy_.issue(ctx_, otp.state).ok());
}

TEST_F(OtpPolicyTest, ConfigurableLengthAndLimits) {
  OtpAttemptPolicy p = make_policy({.code_length = 8, .max_attempts = 2, .ttl_ms = 10'000,
                                    .resend_cooldown_ms = 0});
  auto r = p.issue(ctx_, std::nullopt);
  ASSERT_TRUE(r.ok());
  IssuedOtp otp = std::move(r).value();
  EXPECT_EQ(otp.code.size(), 8u);
  EXPECT_EQ(p.resend_wait_ms(otp.state), 0);
  p.verify(ctx_, wrong(otp.code), otp.state);
  p.verify(ctx_, wrong(otp.code), otp.state);
  EXPECT_EQ(p.verify(ctx_, otp.code, otp.state), OtpOutcome::kAttemptsExhausted);
}

TEST_F(OtpPolicyTest, PolicyIsValidated) {
  EXPECT_FALSE(OtpAttemptPolicy::create(clock_, hasher_, {.code_length = 3}).ok());
  EXPECT_FALSE(OtpAttemptPolicy::create(clock_, hasher_, {.max_attempts = 0}).ok());
  EXPECT_FALSE(OtpAttemptPolicy::create(clock_, hasher_, {.ttl_ms = 0}).ok());
  Status s = validate(OtpPolicy{.code_length = 11, .resend_cooldown_ms = -1});
  ASSERT_EQ(s.fields().size(), 2u);
  EXPECT_EQ(s.fields()[0].field, "/code_length");
  EXPECT_EQ(s.fields()[1].field, "/resend_cooldown");
}

TEST(OtpOutcome, MapsToStatusCodes) {
  EXPECT_TRUE(to_status(OtpOutcome::kAccepted).is_ok());
  EXPECT_EQ(to_status(OtpOutcome::kWrongCode).code(), Code::kUnauthenticated);
  EXPECT_EQ(to_status(OtpOutcome::kExpired).code(), Code::kUnauthenticated);
  EXPECT_EQ(to_status(OtpOutcome::kAlreadyUsed).code(), Code::kUnauthenticated);
  EXPECT_EQ(to_status(OtpOutcome::kAttemptsExhausted).code(), Code::kResourceExhausted);
  Status malformed = to_status(OtpOutcome::kMalformed);
  EXPECT_EQ(malformed.code(), Code::kInvalidArgument);
  EXPECT_EQ(malformed.fields()[0].field, "/code");
}

// ---- Recovery codes --------------------------------------------------------------

TEST(RecoveryCodes, TenDistinctCodesInTheUnambiguousFormat) {
  CodeHasher h = make_hasher();
  RecoveryCodeSet set = generate_recovery_codes(h, "recovery:user-1");
  ASSERT_EQ(set.codes.size(), 10u);
  ASSERT_EQ(set.stored.size(), 10u);
  std::set<std::string> seen;
  for (size_t i = 0; i < set.codes.size(); ++i) {
    const std::string& c = set.codes[i];
    ASSERT_EQ(c.size(), 9u) << c;
    EXPECT_EQ(c[4], '-') << c;
    for (size_t j = 0; j < c.size(); ++j) {
      if (j != 4) {
        EXPECT_NE(kRecoveryAlphabet.find(c[j]), std::string_view::npos) << c;
      }
    }
    for (char ambiguous : {'0', 'o', '1', 'l', 'i'}) {
      EXPECT_EQ(c.find(ambiguous), std::string::npos) << c;
    }
    seen.insert(c);
    // Stored form is a hash, and nothing of the plaintext shows in it.
    const std::string& hash = set.stored[i].hash;
    EXPECT_EQ(hash, h.hash("recovery:user-1", normalize_recovery_code(c)));
    EXPECT_EQ(hash.find(normalize_recovery_code(c)), std::string::npos);
    EXPECT_FALSE(set.stored[i].used_at_ms.has_value());
  }
  EXPECT_EQ(seen.size(), 10u);
}

TEST(RecoveryCodes, NormalizationIgnoresCaseDashesAndSpaces) {
  EXPECT_EQ(normalize_recovery_code("AB2C-D3EF"), "ab2cd3ef");
  EXPECT_EQ(normalize_recovery_code(" ab2c d3ef\n"), "ab2cd3ef");
}

TEST(RecoveryCodes, EachCodeWorksExactlyOnce) {
  CodeHasher h = make_hasher();
  RecoveryCodeSet set = generate_recovery_codes(h, "recovery:user-1");
  auto stored = set.stored;
  EXPECT_EQ(remaining_recovery_codes(stored), 10);

  std::string typed = set.codes[3];
  for (char& c : typed) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto first = redeem_recovery_code(h, "recovery:user-1", typed, stored, 1234);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  EXPECT_EQ(*first, 3u);
  EXPECT_EQ(stored[3].used_at_ms, 1234);
  EXPECT_EQ(remaining_recovery_codes(stored), 9);

  auto again = redeem_recovery_code(h, "recovery:user-1", set.codes[3], stored, 2000);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(again.status().message(), "recovery code already used");
  EXPECT_EQ(stored[3].used_at_ms, 1234);  // first use time kept

  // Other codes are unaffected.
  EXPECT_TRUE(redeem_recovery_code(h, "recovery:user-1", set.codes[0], stored, 3000).ok());
  EXPECT_EQ(remaining_recovery_codes(stored), 8);
}

TEST(RecoveryCodes, UnknownCodesAndOtherUsersAreRejected) {
  CodeHasher h = make_hasher();
  RecoveryCodeSet set = generate_recovery_codes(h, "recovery:user-1");
  auto stored = set.stored;
  EXPECT_FALSE(redeem_recovery_code(h, "recovery:user-2", set.codes[0], stored, 1).ok());
  EXPECT_FALSE(redeem_recovery_code(h, "recovery:user-1", "", stored, 1).ok());
  EXPECT_FALSE(redeem_recovery_code(h, "recovery:user-1", "abcd-efg", stored, 1).ok());
  std::string almost = set.codes[0];
  almost[0] = almost[0] == 'z' ? 'y' : 'z';
  EXPECT_FALSE(redeem_recovery_code(h, "recovery:user-1", almost, stored, 1).ok());
  EXPECT_EQ(remaining_recovery_codes(stored), 10);
}

TEST(RecoveryCodes, RegeneratingInvalidatesTheOldSet) {
  CodeHasher h = make_hasher();
  RecoveryCodeSet old_set = generate_recovery_codes(h, "recovery:user-1");
  RecoveryCodeSet new_set = generate_recovery_codes(h, "recovery:user-1");
  auto stored = new_set.stored;
  for (const auto& c : old_set.codes)
    EXPECT_FALSE(redeem_recovery_code(h, "recovery:user-1", c, stored, 1).ok());
  EXPECT_TRUE(redeem_recovery_code(h, "recovery:user-1", new_set.codes[9], stored, 1).ok());
}

}  // namespace
}  // namespace sb::identity
