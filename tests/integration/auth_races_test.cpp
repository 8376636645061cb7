// AuthService under concurrent requests for the same code or account, on
// both engines. SQLite serialises writers, so these mostly pin down the
// PostgreSQL case (READ COMMITTED, two writer connections), where every
// state write must be conditional on what was read. Threads are released
// together by a latch; time is a ManualClock; nothing sleeps.
#include <functional>
#include <latch>
#include <thread>

#include "auth_test_fixture.h"

namespace sb::identity {
namespace {

constexpr int kTokenAttempts = 5;  // wrong second factors per mfa_token (identity::kMfaMaxAttempts)

class AuthRaceTest : public AuthServiceTest {
 protected:
  // Runs fn(i) on n threads at once; returns their answers.
  static std::vector<Status> race(int n, const std::function<Status(int)>& fn) {
    std::vector<Status> out(static_cast<size_t>(n));
    std::latch go(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i)
      threads.emplace_back([&, i] {
        go.arrive_and_wait();
        out[static_cast<size_t>(i)] = fn(i);
      });
    for (auto& t : threads) t.join();
    return out;
  }
  static int count(const std::vector<Status>& v, Code code, const std::string& message = "") {
    int n = 0;
    for (const auto& s : v) n += s.code() == code && (message.empty() || s.message() == message) ? 1 : 0;
    return n;
  }
  static std::string describe(const std::vector<Status>& v) {
    std::string out;
    for (const auto& s : v) out += (s ? std::string("OK") : s.to_string()) + "\n";
    return out;
  }

  int64_t otp_attempts(const std::string& phone) {
    int64_t n = -1;
    EXPECT_TRUE(db->read([&](store::Tx& tx) -> Status {
      SB_ASSIGN(auto rows, tx.query("SELECT attempts FROM otp_codes WHERE context = $1", {"otp:" + phone}));
      n = rows.at(0).int_at(0);
      return {};
    }));
    return n;
  }

  // `n` open MFA challenges for Alice (password done).
  std::vector<std::string> mfa_tokens(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) {
      auto s = auth->login("alice@example.com", "", kPassword, kClient);
      EXPECT_TRUE(s.ok() && s->mfa_required) << s.status().to_string();
      if (s.ok()) out.push_back(s->mfa_token);
    }
    return out;
  }
};

TEST_P(AuthRaceTest, ConcurrentVerificationsOfOneOtpCodeSucceedOnce) {
  ASSERT_TRUE(auth->otp_send(kPhone, kClient));
  auto first = auth->otp_verify(kPhone, notifier.last_code(kPhone), kClient);  // signs up, phone verified
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(auth->otp_send(kPhone, kClient));
    const std::string code = notifier.last_code(kPhone);
    auto answers = race(8, [&](int) { return auth->otp_verify(kPhone, code, kClient).status(); });
    EXPECT_EQ(count(answers, Code::kOk), 1) << describe(answers);
    EXPECT_EQ(count(answers, Code::kUnauthenticated), 7) << describe(answers);
  }
  EXPECT_EQ(events("user.login").size(), 4u);
}

TEST_P(AuthRaceTest, ConcurrentWrongOtpGuessesCountOnlyUpToMaxAttempts) {
  for (int round = 0; round < 3; ++round) {
    clock.advance(61s);  // the resend cooldown
    ASSERT_TRUE(auth->otp_send(kPhone, kClient));
    const std::string code = notifier.last_code(kPhone);
    const std::string wrong = code == "000000" ? "111111" : "000000";
    auto answers = race(20, [&](int) { return auth->otp_verify(kPhone, wrong, kClient).status(); });
    EXPECT_EQ(count(answers, Code::kUnauthenticated), 5) << describe(answers);  // max_attempts
    EXPECT_EQ(count(answers, Code::kResourceExhausted), 15) << describe(answers);
    EXPECT_EQ(otp_attempts(kPhone), 5);
    EXPECT_EQ(auth->otp_verify(kPhone, code, kClient).status().code(), Code::kResourceExhausted);
  }
  EXPECT_TRUE(events("user.registered").empty());
}

// The throttle is claimed before the password is checked, so a burst of
// wrong passwords is not all evaluated: the same as one after another (no
// delay after the first failure, 1 s after the second), for known and
// unknown accounts alike.
TEST_P(AuthRaceTest, ConcurrentWrongPasswordsAreNotAllChecked) {
  register_alice();
  for (const char* email : {"alice@example.com", "nobody@example.com"}) {
    auto answers = race(8, [&](int) { return auth->login(email, "", "Wrong-Password-123", kClient).status(); });
    const int checked = count(answers, Code::kUnauthenticated, "invalid credentials");
    EXPECT_GE(checked, 1) << email << "\n" << describe(answers);
    EXPECT_LE(checked, 2) << email << "\n" << describe(answers);
    EXPECT_EQ(count(answers, Code::kResourceExhausted), 8 - checked) << email << "\n" << describe(answers);
    clock.advance(1s);
  }
  EXPECT_LE(events("user.login_failed").size(), 2u);
  // Nothing is left held: the owner signs in once the delay is over.
  ASSERT_TRUE(auth->login("alice@example.com", "", kPassword, kClient).ok());
}

TEST_P(AuthRaceTest, ConcurrentUsesOfOneTotpOrRecoveryCodeSucceedOnce) {
  User u = register_alice();
  auto [secret, recovery] = enable_mfa(u.id);
  auto tokens = mfa_tokens(8);
  ASSERT_EQ(tokens.size(), 8u);
  const std::string code = totp_code(secret);
  auto answers = race(8, [&](int i) { return auth->mfa_verify(tokens[i], code, "", kClient).status(); });
  EXPECT_EQ(count(answers, Code::kOk), 1) << describe(answers);

  clock.advance(1min);  // the losers' failures delay the next sign-in
  tokens = mfa_tokens(8);
  ASSERT_EQ(tokens.size(), 8u);
  answers = race(8, [&](int i) { return auth->mfa_verify(tokens[i], "", recovery[0], kClient).status(); });
  EXPECT_EQ(count(answers, Code::kOk), 1) << describe(answers);
  EXPECT_EQ(events("user.login").size(), 2u);
}

TEST_P(AuthRaceTest, ConcurrentWrongSecondFactorsStopAtTheMfaTokensLimit) {
  AuthOptions o = test_options();
  o.failure_delay_base_ms = 0;  // only the per-token limit stops the guesses
  o.failure_delay_max_ms = 0;
  o.lockout_threshold = 1000;
  auth = make(o);
  User u = register_alice();
  auto [secret, recovery] = enable_mfa(u.id);
  auto token = mfa_tokens(1).at(0);
  const std::string wrong = totp_code(secret, 7);
  auto answers = race(20, [&](int) { return auth->mfa_verify(token, wrong, "", kClient).status(); });
  EXPECT_EQ(count(answers, Code::kUnauthenticated, "invalid code"), kTokenAttempts) << describe(answers);
  EXPECT_EQ(count(answers, Code::kUnauthenticated, "invalid or expired MFA token"), 20 - kTokenAttempts)
      << describe(answers);
  EXPECT_EQ(events("user.login_failed").size(), static_cast<size_t>(kTokenAttempts));
  EXPECT_EQ(auth->mfa_verify(token, totp_code(secret), "", kClient).status().code(), Code::kUnauthenticated);
}

INSTANTIATE_TEST_SUITE_P(Engines, AuthRaceTest, ::testing::ValuesIn(sb::test::all_engines()),
                         sb::test::engine_name);

}  // namespace
}  // namespace sb::identity
