// AuthService::purge_expired on both engines: what can still be used
// survives, what cannot goes, revoked sessions stay (and stay denied across a
// restart) for the access-token window, and big backlogs go in batches.
// Time is a ManualClock; nothing sleeps.
#include "auth_test_fixture.h"

namespace sb::identity {
namespace {

class AuthPurgeTest : public AuthServiceTest {
 protected:
  int64_t count(const std::string& table, const std::string& where = "1 = 1", const store::Params& params = {}) {
    int64_t n = -1;
    Status s = db->read([&](store::Tx& tx) -> Status {
      SB_ASSIGN(auto rows, tx.query("SELECT COUNT(*) FROM " + table + " WHERE " + where, params));
      n = rows.at(0).int_at(0);
      return {};
    });
    EXPECT_TRUE(s.is_ok()) << s.to_string();
    return n;
  }

  int64_t purge() {
    auto n = auth->purge_expired();
    EXPECT_TRUE(n.ok()) << n.status().to_string();
    return n.ok() ? *n : -1;
  }

  // A fresh service on the same Db, as after a restart.
  std::unique_ptr<AuthService> restart(AuthOptions o) { return make(std::move(o)); }
};

TEST_P(AuthPurgeTest, NothingToPurgeIsZero) {
  EXPECT_EQ(purge(), 0);
  register_alice();
  login_alice();
  EXPECT_EQ(purge(), 0);
  EXPECT_EQ(count("verification_tokens"), 1);
  EXPECT_EQ(count("sessions"), 1);
  EXPECT_EQ(count("refresh_tokens"), 1);
}

TEST_P(AuthPurgeTest, OtpCodesGoWhenConsumedOrExpiredAndTheirCooldownIsOver) {
  AuthOptions o = test_options();
  o.otp.ttl_ms = 60'000;
  o.otp.resend_cooldown_ms = 600'000;  // outlasts the code
  auth = make(o);
  const std::string other = "+15551230002";
  ASSERT_TRUE(auth->otp_send(kPhone, kClient).is_ok());
  ASSERT_TRUE(auth->otp_send(other, kClient).is_ok());
  ASSERT_TRUE(auth->otp_verify(kPhone, notifier.last_code(kPhone), kClient).ok());

  EXPECT_EQ(purge(), 1);  // the consumed code
  EXPECT_EQ(count("otp_codes", "context = $1", {"otp:" + std::string(kPhone)}), 0);
  EXPECT_EQ(count("otp_codes", "context = $1", {"otp:" + other}), 1);

  // Expired, but its row still enforces the resend cooldown.
  clock.advance(120s);
  EXPECT_EQ(purge(), 0);
  EXPECT_EQ(auth->otp_send(other, kClient).code(), Code::kResourceExhausted);

  clock.advance(480s);  // 600 s after it was issued
  EXPECT_EQ(purge(), 1);
  EXPECT_EQ(count("otp_codes"), 0);
  EXPECT_TRUE(auth->otp_send(other, kClient).is_ok());
  EXPECT_TRUE(auth->otp_send(kPhone, kClient).is_ok());  // a consumed code never held a cooldown
}

TEST_P(AuthPurgeTest, LinkTokensAndMfaChallengesGoWhenUsedOrExpired) {
  User u = register_alice();
  const std::string verify_token = notifier.last_token();
  ASSERT_TRUE(auth->forgot_password("alice@example.com", kClient).is_ok());
  const std::string reset_token = notifier.last_token();
  ASSERT_EQ(count("verification_tokens"), 2);
  EXPECT_EQ(purge(), 0);

  ASSERT_TRUE(auth->verify_email(verify_token).ok());
  EXPECT_EQ(purge(), 1);  // used
  EXPECT_EQ(count("verification_tokens", "kind = 'email_verify'"), 0);
  EXPECT_EQ(count("verification_tokens", "kind = 'password_reset'"), 1);

  // MFA: one challenge completed, one left open.
  auto [secret, recovery] = enable_mfa(u.id);
  auto first = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(first.ok() && first->mfa_required);
  ASSERT_TRUE(auth->mfa_verify(first->mfa_token, totp_code(secret), "", kClient).ok());
  auto second = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(second.ok() && second->mfa_required);
  EXPECT_EQ(purge(), 1);  // the used challenge
  EXPECT_EQ(count("mfa_challenges"), 1);
  EXPECT_EQ(count("verification_tokens"), 1);

  // Still usable after the purge.
  clock.advance(30s);
  auto done = auth->mfa_verify(second->mfa_token, totp_code(secret), "", kClient);
  ASSERT_TRUE(done.ok()) << done.status().to_string();

  auto third = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(third.ok() && third->mfa_required);
  clock.advance(31min);  // past the challenge (5 min) and the reset link (30 min)
  EXPECT_EQ(purge(), 3);  // used challenge, expired challenge, expired reset link
  EXPECT_EQ(count("mfa_challenges"), 0);
  EXPECT_EQ(count("verification_tokens"), 0);
  EXPECT_EQ(auth->reset_password(reset_token, "Another-Orbit-4411").code(), Code::kUnauthenticated);
  EXPECT_EQ(auth->mfa_verify(third->mfa_token, totp_code(secret), "", kClient).status().code(),
            Code::kUnauthenticated);
}

TEST_P(AuthPurgeTest, SessionsStayForTheAccessTokenWindowAndRestartStillDeniesThem) {
  AuthOptions o = test_options();  // access 900 s + leeway 30 s = 930 s window
  o.refresh_ttl_ms = 3600'000;
  auth = make(o);
  register_alice();
  Tokens expiring = login_alice();
  clock.advance(61min);  // `expiring` is idle past its expiry
  Tokens live = login_alice();
  auto rotated = auth->refresh(live.refresh_token, kClient);
  ASSERT_TRUE(rotated.ok()) << rotated.status().to_string();
  Tokens revoked = login_alice();
  User alice = *auth->find_user("alice@example.com", "");
  ASSERT_TRUE(auth->logout(alice.id, revoked.session_id).is_ok());
  ASSERT_EQ(count("sessions"), 3);
  ASSERT_EQ(count("refresh_tokens"), 4);

  // Refresh tokens of the expired and the revoked session go at once; the
  // live session keeps its rotated token (reuse detection needs it).
  EXPECT_EQ(purge(), 2);
  EXPECT_EQ(count("sessions"), 3);
  EXPECT_EQ(count("refresh_tokens"), 2);
  EXPECT_EQ(count("refresh_tokens", "session_id = $1", {live.session_id}), 2);
  EXPECT_EQ(auth->refresh(expiring.refresh_token, kClient).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(auth->refresh(revoked.refresh_token, kClient).status().code(), Code::kUnauthenticated);
  EXPECT_TRUE(auth->session_revoked(revoked.session_id));
  EXPECT_TRUE(restart(o)->session_revoked(revoked.session_id));

  // 15 min later: the expired session (idle 16 min past expiry) goes, the
  // revoked one (15 min ago, inside the 15.5 min window) stays, and a
  // restarted service still denies its access tokens.
  clock.advance(15min);
  EXPECT_EQ(purge(), 1);
  EXPECT_EQ(count("sessions", "id = $1", {expiring.session_id}), 0);
  EXPECT_EQ(count("sessions", "id = $1", {revoked.session_id}), 1);
  EXPECT_TRUE(restart(o)->session_revoked(revoked.session_id));
  EXPECT_FALSE(*auth->session_active(revoked.session_id));

  // Past the window its access tokens are dead anyway: the row goes.
  clock.advance(1min);
  EXPECT_EQ(purge(), 1);
  EXPECT_EQ(count("sessions"), 1);
  EXPECT_FALSE(restart(o)->session_revoked(revoked.session_id));
  EXPECT_FALSE(*auth->session_active(revoked.session_id));

  // The live session is untouched: it refreshes, and replaying its rotated
  // token still revokes it.
  EXPECT_TRUE(*auth->session_active(live.session_id));
  auto again = auth->refresh(rotated->refresh_token, kClient);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(auth->refresh(live.refresh_token, kClient).status().code(), Code::kUnauthenticated);
  EXPECT_FALSE(*auth->session_active(live.session_id));
  EXPECT_TRUE(auth->session_revoked(live.session_id));
}

TEST_P(AuthPurgeTest, LargeBacklogsGoInBatches) {
  const int64_t t = clock.now_ms();
  ASSERT_TRUE(db->write([&](store::Tx& tx) -> Status {
    for (int i = 0; i < 2500; ++i) {
      SB_TRY(tx.exec("INSERT INTO mfa_challenges (token_hash, user_id, amr, created_at, expires_at) "
                     "VALUES ($1, 'u', 'pwd', $2, $3)",
                     {"h" + std::to_string(i), t - 10'000, i < 2300 ? t - 1 : t + 60'000}));
    }
    return {};
  }).is_ok());
  EXPECT_EQ(purge(), 2300);
  EXPECT_EQ(count("mfa_challenges"), 200);
}

INSTANTIATE_TEST_SUITE_P(Engines, AuthPurgeTest, ::testing::ValuesIn(sb::test::all_engines()),
                         sb::test::engine_name);

}  // namespace
}  // namespace sb::identity
