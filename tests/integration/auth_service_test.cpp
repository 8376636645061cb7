// AuthService on both engines: registration, password sign-in with the
// brute-force delay and lock, refresh rotation and reuse detection, logout,
// phone OTP, email verification and password reset. Time is a ManualClock;
// nothing sleeps. MFA, keys and the event-secrets scan: auth_mfa_keys_test.cpp.
#include <algorithm>
#include <atomic>
#include <thread>

#include "api/identity_setup.h"
#include "auth_test_fixture.h"
#include "config/config.h"
#include "core/crypto.h"

namespace sb::identity {
namespace {

TEST_P(AuthServiceTest, CreateValidatesOptions) {
  AuthOptions o = test_options();
  o.master_key = "short";
  auto r = AuthService::create(*db, log, clock, notifier, {}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().fields().at(0).field, "/master_key");
  o = test_options();
  o.jwt.issuer.clear();
  EXPECT_EQ(AuthService::create(*db, log, clock, notifier, {}, o).status().code(), Code::kInvalidArgument);
  o = test_options();
  o.refresh_ttl_ms = 0;
  EXPECT_EQ(AuthService::create(*db, log, clock, notifier, {}, o).status().fields().at(0).field, "/refresh_ttl_ms");
}

TEST_P(AuthServiceTest, RegisterValidatesNormalisesAndSendsTheVerificationLink) {
  EXPECT_EQ(auth->register_user({"", "", kPassword}, kClient).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(auth->register_user({"not-an-email", "", kPassword}, kClient).status().fields().at(0).field, "/email");
  EXPECT_EQ(auth->register_user({"", "5551234", kPassword}, kClient).status().fields().at(0).field, "/phone");
  EXPECT_EQ(auth->register_user({"a@example.com", "", "short"}, kClient).status().fields().at(0).field, "/password");
  EXPECT_EQ(auth->register_user({"a@example.com", "", "password123"}, kClient).status().code(),
            Code::kInvalidArgument);  // common
  EXPECT_EQ(notifier.email_count(), 0u);

  User u = register_alice(kPhone);
  EXPECT_EQ(u.email, "alice@example.com");
  EXPECT_EQ(u.phone, kPhone);
  EXPECT_TRUE(u.has_password);
  EXPECT_FALSE(u.email_verified);
  EXPECT_EQ(u.created_at_ms, clock.now_ms());
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0], u.id);

  ASSERT_EQ(notifier.email_count(), 1u);
  auto mail = notifier.last_email();
  EXPECT_EQ(mail.to, "alice@example.com");
  std::string token = notifier.last_token();
  EXPECT_GE(token.size(), 40u);
  EXPECT_NE(mail.body.find("https://app.test/verify-email?token=" + token), std::string::npos) << mail.body;
  EXPECT_NE(mail.body.find("enter this token: " + token), std::string::npos);

  auto reg = events("user.registered");
  ASSERT_EQ(reg.size(), 1u);
  EXPECT_EQ(text_of(reg[0], "source"), "/switchboard/identity");
  EXPECT_EQ(text_of(reg[0], "subject"), u.id);

  // Taken email or phone: Conflict, the same generic answer for both.
  auto dup_email = auth->register_user({"ALICE@example.com", "", kPassword}, kClient);
  auto dup_phone = auth->register_user({"other@example.com", kPhone, kPassword}, kClient);
  EXPECT_EQ(dup_email.status().code(), Code::kConflict);
  EXPECT_EQ(dup_phone.status().code(), Code::kConflict);
  EXPECT_EQ(dup_email.status().message(), dup_phone.status().message());
  EXPECT_EQ(created.size(), 1u);
  EXPECT_EQ(events("user.registered").size(), 1u);

  // Operator path: no email.
  auto op = auth->create_user({"ops@example.com", "", kPassword});
  ASSERT_TRUE(op.ok()) << op.status().to_string();
  EXPECT_EQ(notifier.email_count(), 1u);
  EXPECT_EQ(auth->find_user("OPS@example.com", "")->id, op->id);
  EXPECT_EQ(auth->find_user("", kPhone)->id, u.id);
  EXPECT_EQ(auth->find_user("nobody@example.com", "").status().code(), Code::kNotFound);
  EXPECT_EQ(auth->get_user(u.id)->email, "alice@example.com");
}

TEST_P(AuthServiceTest, LoginIssuesAccessTokenAndOpaqueRefreshToken) {
  User u = register_alice();
  Tokens t = login_alice();
  EXPECT_EQ(t.token_type, "Bearer");
  EXPECT_EQ(t.expires_in, 900);
  auto claims = auth->verifier().verify(t.access_token);
  ASSERT_TRUE(claims.ok()) << claims.status().to_string();
  EXPECT_EQ((*claims)->sub, u.id);
  EXPECT_EQ((*claims)->sid, t.session_id);
  EXPECT_EQ((*claims)->iss, "https://id.test");
  EXPECT_EQ((*claims)->aud, std::vector<std::string>{"switchboard-test"});
  EXPECT_EQ((*claims)->roles, std::vector<std::string>{"member"});
  EXPECT_EQ((*claims)->amr, std::vector<std::string>{"pwd"});
  EXPECT_EQ((*claims)->exp - (*claims)->iat, 900);
  EXPECT_GE(t.refresh_token.size(), 43u);
  EXPECT_TRUE(*auth->session_active(t.session_id));
  EXPECT_FALSE(auth->session_revoked(t.session_id));

  // Stored only as SHA-256.
  ASSERT_TRUE(db->read([&](store::Tx& tx) -> Status {
    auto rows = tx.query("SELECT token_hash FROM refresh_tokens");
    EXPECT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].text_at(0), crypto::sha256_hex(t.refresh_token));
    return {};
  }));
  auto login_events = events("user.login");
  ASSERT_EQ(login_events.size(), 1u);
  EXPECT_EQ(text_of(login_events[0], "subject"), u.id);
  EXPECT_EQ(data_of(login_events[0], "session_id"), t.session_id);

  // By phone too, and the same answer for every wrong pair.
  auto wrong = auth->login("alice@example.com", "", "Wrong-Password-123", kClient);
  auto unknown = auth->login("nobody@example.com", "", kPassword, kClient);
  auto malformed = auth->login("nobody", "", kPassword, kClient);
  EXPECT_EQ(wrong.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(unknown.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(wrong.status().message(), unknown.status().message());
  EXPECT_EQ(malformed.status().message(), unknown.status().message());
  EXPECT_EQ(auth->login("a@example.com", kPhone, kPassword, kClient).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(events("user.login_failed").size(), 1u);  // unknown accounts have no subject to record
}

TEST_P(AuthServiceTest, FailedLoginsDelayThenLockWithoutBlockingOtpOrReset) {
  User u = register_alice(kPhone);
  verify_phone(u.id, kPhone);  // only a verified phone signs in
  auto fail = [&] { return auth->login("alice@example.com", "", "Wrong-Password-123", kClient).status(); };
  EXPECT_EQ(fail().code(), Code::kUnauthenticated);  // 1: no delay for a typo
  EXPECT_EQ(fail().code(), Code::kUnauthenticated);  // 2: next attempt in 1 s
  auto held = auth->login("alice@example.com", "", kPassword, kClient);
  EXPECT_EQ(held.status().code(), Code::kResourceExhausted);
  EXPECT_NE(held.status().message().find("retry after 1 s"), std::string::npos) << held.status().message();
  clock.advance(1s);
  EXPECT_EQ(fail().code(), Code::kUnauthenticated);  // 3: 2 s
  EXPECT_NE(fail().message().find("retry after 2 s"), std::string::npos);
  clock.advance(2s);
  EXPECT_EQ(fail().code(), Code::kUnauthenticated);  // 4: 4 s
  clock.advance(4s);
  EXPECT_TRUE(events("user.locked").empty());
  EXPECT_EQ(fail().code(), Code::kUnauthenticated);  // 5: threshold → locked 15 min
  ASSERT_EQ(events("user.locked").size(), 1u);
  EXPECT_EQ(events("user.login_failed").size(), 5u);
  EXPECT_EQ(text_of(events("user.locked")[0], "subject"), u.id);

  clock.advance(60s);
  auto locked = auth->login("alice@example.com", "", kPassword, kClient);
  EXPECT_EQ(locked.status().code(), Code::kResourceExhausted);
  EXPECT_NE(locked.status().message().find("retry after 840 s"), std::string::npos) << locked.status().message();

  // Phone OTP still signs the owner in.
  ASSERT_TRUE(auth->otp_send(kPhone, kClient));
  auto otp = auth->otp_verify(kPhone, notifier.last_code(kPhone), kClient);
  ASSERT_TRUE(otp.ok()) << otp.status().to_string();
  EXPECT_TRUE(otp->tokens.has_value());

  // A password reset clears the lock at once.
  ASSERT_TRUE(auth->forgot_password("alice@example.com", kClient));
  ASSERT_TRUE(auth->reset_password(notifier.last_token(), "Brand-New-Secret-42"));
  auto after = auth->login("alice@example.com", "", "Brand-New-Secret-42", kClient);
  ASSERT_TRUE(after.ok()) << after.status().to_string();

  // And the lock expires by itself: a fresh account-lock round.
  for (int i = 0; i < 5; ++i) {
    clock.advance(60s);
    EXPECT_EQ(auth->login("alice@example.com", "", "Wrong-Password-123", kClient).status().code(),
              Code::kUnauthenticated);
  }
  EXPECT_EQ(auth->login("alice@example.com", "", "Brand-New-Secret-42", kClient).status().code(),
            Code::kResourceExhausted);
  clock.advance(15min);
  EXPECT_TRUE(auth->login("alice@example.com", "", "Brand-New-Secret-42", kClient).ok());
}

// The throttle must not tell an attacker which accounts exist: a run of
// wrong passwords gets the same answers, delays and lock for an unknown email
// as for a real one.
TEST_P(AuthServiceTest, ThrottleAnswersAreTheSameForUnknownAccounts) {
  register_alice(kPhone);
  auto run = [&](const std::string& email) {
    std::vector<std::string> answers;
    for (int i = 0; i < 7; ++i) {
      Status st = auth->login(email, "", "Wrong-Password-123", kClient).status();
      answers.push_back(std::string(code_name(st.code())) + " " + st.message());
      clock.advance(i % 2 ? 3s : 500ms);
    }
    return answers;
  };
  auto known = run("alice@example.com");
  clock.advance(1h);
  auto unknown = run("nobody@example.com");
  EXPECT_EQ(known, unknown);
  // The run above both waited and was refused at some point.
  EXPECT_NE(std::count_if(known.begin(), known.end(), [](auto& a) { return a.find("retry after") != std::string::npos; }),
            0);
}

TEST_P(AuthServiceTest, RefreshRotatesAndReuseRevokesTheFamily) {
  register_alice();
  Tokens first = login_alice();
  clock.advance(60s);
  auto second = auth->refresh(first.refresh_token, kClient);
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_EQ(second->session_id, first.session_id);
  EXPECT_NE(second->refresh_token, first.refresh_token);
  EXPECT_EQ((*auth->verifier().verify(second->access_token))->amr, std::vector<std::string>{"pwd"});
  auto third = auth->refresh(second->refresh_token, kClient);
  ASSERT_TRUE(third.ok());

  // The first token comes back: the whole family dies.
  auto reuse = auth->refresh(first.refresh_token, kClient);
  EXPECT_EQ(reuse.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(auth->refresh(third->refresh_token, kClient).status().code(), Code::kUnauthenticated);
  EXPECT_FALSE(*auth->session_active(first.session_id));
  EXPECT_TRUE(auth->session_revoked(first.session_id));
  auto revoked = events("session.revoked");
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(data_of(revoked[0], "reason"), "refresh_token_reuse");
  EXPECT_EQ(data_of(revoked[0], "session_id"), first.session_id);
  // The denylist entry lasts as long as the session's access tokens could.
  clock.advance(931s);
  EXPECT_FALSE(auth->session_revoked(first.session_id));

  EXPECT_EQ(auth->refresh("", kClient).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(auth->refresh("made-up", kClient).status().code(), Code::kUnauthenticated);
}

TEST_P(AuthServiceTest, IdleSessionsExpireAndRefreshExtendsThem) {
  register_alice();
  Tokens t = login_alice();
  clock.advance(std::chrono::milliseconds(test_options().refresh_ttl_ms - 1000));
  auto kept = auth->refresh(t.refresh_token, kClient);
  ASSERT_TRUE(kept.ok()) << kept.status().to_string();
  clock.advance(std::chrono::milliseconds(test_options().refresh_ttl_ms - 1000));
  EXPECT_TRUE(*auth->session_active(t.session_id));
  clock.advance(2s);
  EXPECT_FALSE(*auth->session_active(t.session_id));
  EXPECT_EQ(auth->refresh(kept->refresh_token, kClient).status().code(), Code::kUnauthenticated);
}

TEST_P(AuthServiceTest, LogoutAndLogoutAll) {
  User u = register_alice();
  Tokens a = login_alice(), b = login_alice(), c = login_alice();
  ASSERT_TRUE(auth->logout(u.id, a.session_id));
  EXPECT_TRUE(auth->session_revoked(a.session_id));
  EXPECT_FALSE(*auth->session_active(a.session_id));
  EXPECT_EQ(auth->refresh(a.refresh_token, kClient).status().code(), Code::kUnauthenticated);
  EXPECT_TRUE(*auth->session_active(b.session_id));
  ASSERT_TRUE(auth->logout(u.id, a.session_id));  // idempotent
  ASSERT_TRUE(auth->logout("someone-else", b.session_id));
  EXPECT_TRUE(*auth->session_active(b.session_id));  // not theirs to end

  ASSERT_TRUE(auth->logout_all(u.id));
  EXPECT_FALSE(*auth->session_active(b.session_id));
  EXPECT_FALSE(*auth->session_active(c.session_id));
  EXPECT_TRUE(auth->session_revoked(c.session_id));
  auto revoked = events("session.revoked");
  ASSERT_EQ(revoked.size(), 3u);
  EXPECT_EQ(data_of(revoked[0], "reason"), "logout");
  EXPECT_EQ(data_of(revoked[2], "reason"), "logout_all");

  // A restart keeps refusing the revoked sessions' access tokens until they
  // could have expired anyway; a live session is not affected.
  Tokens d = login_alice();
  clock.advance(10min);
  auto restarted = make(test_options());
  ASSERT_NE(restarted, nullptr);
  EXPECT_TRUE(restarted->session_revoked(a.session_id));
  EXPECT_TRUE(restarted->session_revoked(c.session_id));
  EXPECT_FALSE(restarted->session_revoked(d.session_id));
  clock.advance(6min);  // past access TTL (15 min) + leeway since the revocations
  EXPECT_FALSE(make(test_options())->session_revoked(a.session_id));
}

TEST_P(AuthServiceTest, PhoneOtpSignsUpThenSignsIn) {
  EXPECT_EQ(auth->otp_send("555", kClient).fields().at(0).field, "/phone");
  ASSERT_TRUE(auth->otp_send(kPhone, kClient));
  std::string code = notifier.last_code(kPhone);
  ASSERT_EQ(code.size(), 6u);
  Status again = auth->otp_send(kPhone, kClient);
  EXPECT_EQ(again.code(), Code::kResourceExhausted);
  EXPECT_EQ(notifier.sms_count(), 1u);

  std::string wrong = code == "000000" ? "111111" : "000000";
  EXPECT_EQ(auth->otp_verify(kPhone, wrong, kClient).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(auth->otp_verify(kPhone, "12", kClient).status().code(), Code::kInvalidArgument);
  auto first = auth->otp_verify(kPhone, code, kClient);
  ASSERT_TRUE(first.ok()) << first.status().to_string();
  ASSERT_TRUE(first->tokens.has_value());
  EXPECT_EQ((*auth->verifier().verify(first->tokens->access_token))->amr, std::vector<std::string>{"otp"});
  User u = *auth->get_user(first->user_id);
  EXPECT_EQ(u.phone, kPhone);
  EXPECT_TRUE(u.phone_verified);
  EXPECT_FALSE(u.has_password);
  EXPECT_EQ(created.size(), 1u);
  EXPECT_EQ(events("user.registered").size(), 1u);
  EXPECT_EQ(events("user.phone_verified").size(), 1u);
  EXPECT_EQ(auth->otp_verify(kPhone, code, kClient).status().code(), Code::kUnauthenticated);  // used

  // A passwordless account cannot be signed in with a password.
  EXPECT_EQ(auth->login("", kPhone, kPassword, kClient).status().code(), Code::kUnauthenticated);

  // Second time: the same account.
  clock.advance(61s);
  ASSERT_TRUE(auth->otp_send(kPhone, kClient));
  auto second = auth->otp_verify(kPhone, notifier.last_code(kPhone), kClient);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->user_id, first->user_id);
  EXPECT_EQ(events("user.phone_verified").size(), 1u);

  // Attempts run out, even for the right code; the state is kept per attempt.
  clock.advance(61s);
  ASSERT_TRUE(auth->otp_send(kPhone, kClient));
  code = notifier.last_code(kPhone);
  wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(auth->otp_verify(kPhone, wrong, kClient).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(auth->otp_verify(kPhone, code, kClient).status().code(), Code::kResourceExhausted);

  // And codes expire.
  clock.advance(61s);
  ASSERT_TRUE(auth->otp_send(kPhone, kClient));
  code = notifier.last_code(kPhone);
  clock.advance(5min + 1s);
  EXPECT_EQ(auth->otp_verify(kPhone, code, kClient).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(auth->otp_verify("+15559999999", code, kClient).status().code(), Code::kUnauthenticated);
}

TEST_P(AuthServiceTest, OtpOnlyVerifiesWhenLoginAndSignupAreOff) {
  AuthOptions o = test_options();
  o.otp_login = false;
  o.phone_signup = false;
  auth = make(o);
  // Unknown number: same answer, but nothing is sent.
  ASSERT_TRUE(auth->otp_send("+15550000000", kClient));
  EXPECT_EQ(notifier.sms_count(), 0u);

  User u = register_alice(kPhone);
  EXPECT_FALSE(u.phone_verified);
  verify_phone(u.id, kPhone);  // the signed-in owner verifies it
  ASSERT_TRUE(auth->otp_send(kPhone, kClient));
  auto r = auth->otp_verify(kPhone, notifier.last_code(kPhone), kClient);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_FALSE(r->tokens.has_value());
  EXPECT_FALSE(r->mfa_required);
  EXPECT_EQ(r->user_id, u.id);
  EXPECT_TRUE(auth->get_user(u.id)->phone_verified);
  EXPECT_TRUE(events("user.login").empty());
}

TEST_P(AuthServiceTest, EmailVerificationTokenIsSingleUseAndExpires) {
  User u = register_alice();
  std::string token = notifier.last_token();
  EXPECT_EQ(auth->verify_email("bogus").status().code(), Code::kUnauthenticated);
  auto verified = auth->verify_email(token);
  ASSERT_TRUE(verified.ok()) << verified.status().to_string();
  EXPECT_TRUE(verified->email_verified);
  EXPECT_TRUE(auth->get_user(u.id)->email_verified);
  EXPECT_EQ(auth->verify_email(token).status().code(), Code::kUnauthenticated);
  ASSERT_EQ(events("user.email_verified").size(), 1u);
  EXPECT_EQ(auth->send_email_verification(u.id).code(), Code::kConflict);

  auto other = auth->register_user({"bob@example.com", "", kPassword}, kClient);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(auth->send_email_verification(other->id));  // a second link
  std::string late = notifier.last_token();
  clock.advance(24h + 1s);
  EXPECT_EQ(auth->verify_email(late).status().code(), Code::kUnauthenticated);
  EXPECT_FALSE(auth->get_user(other->id)->email_verified);
}

TEST_P(AuthServiceTest, ForgotAndResetPassword) {
  User u = register_alice();
  size_t mails = notifier.email_count();
  ASSERT_TRUE(auth->forgot_password("nobody@example.com", kClient));
  EXPECT_EQ(notifier.email_count(), mails);  // unknown: same answer, nothing sent
  EXPECT_EQ(auth->forgot_password("not an email", kClient).code(), Code::kInvalidArgument);

  Tokens before = login_alice();
  ASSERT_TRUE(auth->forgot_password("Alice@example.com", kClient));
  ASSERT_EQ(notifier.email_count(), mails + 1);
  std::string token = notifier.last_token();
  EXPECT_NE(notifier.last_email().body.find("https://app.test/reset-password?token=" + token), std::string::npos);

  // Policy failure keeps the token usable.
  EXPECT_EQ(auth->reset_password(token, "short").code(), Code::kInvalidArgument);
  EXPECT_EQ(auth->reset_password(token, "alice@example.com").code(), Code::kInvalidArgument);
  ASSERT_TRUE(auth->reset_password(token, "Brand-New-Secret-42"));
  EXPECT_EQ(auth->reset_password(token, "Another-New-Secret-43").code(), Code::kUnauthenticated);

  EXPECT_FALSE(*auth->session_active(before.session_id));
  EXPECT_TRUE(auth->session_revoked(before.session_id));
  EXPECT_EQ(auth->login("alice@example.com", "", kPassword, kClient).status().code(), Code::kUnauthenticated);
  EXPECT_TRUE(auth->login("alice@example.com", "", "Brand-New-Secret-42", kClient).ok());
  EXPECT_TRUE(auth->get_user(u.id)->email_verified);  // the link proved the address
  ASSERT_EQ(events("user.password_reset").size(), 1u);
  auto revoked = events("session.revoked");
  ASSERT_EQ(revoked.size(), 1u);
  EXPECT_EQ(data_of(revoked[0], "reason"), "password_reset");

  ASSERT_TRUE(auth->forgot_password("alice@example.com", kClient));
  token = notifier.last_token();
  clock.advance(30min + 1s);
  EXPECT_EQ(auth->reset_password(token, "Another-New-Secret-43").code(), Code::kUnauthenticated);
}

TEST_P(AuthServiceTest, CustomTemplatesAreWhatTheNotifierReceives) {
  AuthOptions o = test_options();
  o.product_name = "Acme";
  o.templates.otp_sms = "{product} code is {code} ({minutes} min) {unknown}";
  o.templates.verify_email_subject = "[{product}] confirm within {expires}";
  o.templates.verify_email_text = "Token {token} / {link} / {expires} / {minutes} min";
  o.templates.reset_email_subject = "[{product}] reset {token}";  // no secrets in subjects: left as is
  o.templates.reset_email_text = "Reset: {link} {code}";
  auth = make(o);

  ASSERT_TRUE(auth->otp_send(kPhone, kClient));
  std::string code = notifier.last_code(kPhone);
  ASSERT_EQ(code.size(), 6u);
  EXPECT_EQ(notifier.last_sms().body, "Acme code is " + code + " (5 min) {unknown}");

  register_alice();
  std::string token = notifier.last_token();
  ASSERT_FALSE(token.empty());
  auto mail = notifier.last_email();
  EXPECT_EQ(mail.subject, "[Acme] confirm within 24 hours");
  EXPECT_EQ(mail.body, "Token " + token + " / https://app.test/verify-email?token=" + token + " / 24 hours / 1440 min");

  ASSERT_TRUE(auth->forgot_password("alice@example.com", kClient));
  token = notifier.last_token();
  mail = notifier.last_email();
  EXPECT_EQ(mail.subject, "[Acme] reset {token}");
  EXPECT_EQ(mail.body, "Reset: https://app.test/reset-password?token=" + token + " {code}");
  EXPECT_TRUE(auth->reset_password(token, "Brand-New-Secret-42"));
}

TEST_P(AuthServiceTest, DefaultTemplatesKeepTheBuiltInTexts) {
  ASSERT_TRUE(auth->otp_send(kPhone, kClient));
  EXPECT_EQ(notifier.last_sms().body,
            "Your Switchboard code is " + notifier.last_code(kPhone) + ". It expires in 5 min. Do not share it.");
  register_alice();
  std::string token = notifier.last_token();
  auto mail = notifier.last_email();
  EXPECT_EQ(mail.subject, "Switchboard: verify your email address");
  EXPECT_EQ(mail.body, "Open this link to verify your email address for Switchboard:\n\nhttps://app.test/verify-email?token=" +
                           token + "\n\nor enter this token: " + token +
                           "\n\nThe link expires in 24 hours. If you did not sign up, ignore this email.\n");
}

TEST_P(AuthServiceTest, CreateRejectsTemplatesWithoutTheirPlaceholder) {
  AuthOptions o = test_options();
  o.templates.otp_sms = "Your code";
  auto r = AuthService::create(*db, log, clock, notifier, {}, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().fields().at(0).field, "/templates/otp_sms");
  o = test_options();
  o.templates.reset_email_text = "Reset it: {product}";
  EXPECT_EQ(AuthService::create(*db, log, clock, notifier, {}, o).status().fields().at(0).field,
            "/templates/reset_email_text");
  o = test_options();
  o.templates.verify_email_text = "Token only: {token}";
  EXPECT_TRUE(AuthService::create(*db, log, clock, notifier, {}, o).ok());
}

TEST(IdentityConfig, TemplateKeysAreValidatedAndReachAuthOptions) {
  config::ConfigService c(nullptr, nullptr);
  api::declare_identity_keys(c);
  Status bad = c.validate("identity.templates.otp_sms", boost::json::value("Your code"));
  EXPECT_EQ(bad.code(), Code::kInvalidArgument);
  EXPECT_NE(bad.to_string().find("identity.templates.otp_sms"), std::string::npos) << bad.to_string();
  EXPECT_NE(bad.to_string().find("{code}"), std::string::npos) << bad.to_string();
  for (const char* key : {"identity.templates.verify_email_text", "identity.templates.reset_email_text"}) {
    Status s = c.validate(key, boost::json::value("no link"));
    EXPECT_NE(s.to_string().find(key), std::string::npos) << s.to_string();
    EXPECT_TRUE(c.validate(key, boost::json::value("{link}")));
  }
  EXPECT_TRUE(c.validate("identity.templates.verify_email_subject", boost::json::value("Hi")));
  EXPECT_FALSE(c.validate("identity.purge_interval_s", boost::json::value(59)));
  EXPECT_EQ(c.get(api::identity_keys::kPurgeInterval), 3600);

  // Environment rejects a bad template naming the key…
  std::string bad_env = "SWITCHBOARD_IDENTITY__TEMPLATES__OTP_SMS=no code";
  char* env1[] = {bad_env.data(), nullptr};
  Status loaded = c.load_env(env1);
  EXPECT_NE(loaded.to_string().find("identity.templates.otp_sms"), std::string::npos) << loaded.to_string();

  // …and a good one reaches AuthOptions; unset ones keep the defaults.
  std::string sms = "SWITCHBOARD_IDENTITY__TEMPLATES__OTP_SMS=Code {code}";
  std::string key = "SWITCHBOARD_IDENTITY__MASTER_KEY=" + crypto::base64_encode(std::string(32, 'k'));
  char* env2[] = {sms.data(), key.data(), nullptr};
  ASSERT_TRUE(c.load_env(env2));
  auto master = api::load_master_key(c, "/nonexistent");  // from the environment, not a file
  ASSERT_TRUE(master.ok()) << master.status().to_string();
  EXPECT_EQ(*master, std::string(32, 'k'));
  auto o = api::identity_options(c, *master, "127.0.0.1:8080");
  ASSERT_TRUE(o.ok()) << o.status().to_string();
  EXPECT_EQ(o->templates.otp_sms, "Code {code}");
  EXPECT_EQ(o->templates.verify_email_text, kDefaultVerifyEmailText);
  EXPECT_EQ(o->templates.reset_email_subject, kDefaultResetEmailSubject);
}

TEST_P(AuthServiceTest, ConcurrentRefreshesOfOneTokenLetAtMostOneThrough) {
  register_alice();
  Tokens t = login_alice();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      if (auth->refresh(t.refresh_token, kClient).ok()) ++ok;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 1);
  // The losers presented a token that had just been rotated: reuse.
  EXPECT_FALSE(*auth->session_active(t.session_id));
}

INSTANTIATE_TEST_SUITE_P(Engines, AuthServiceTest, ::testing::ValuesIn(sb::test::all_engines()),
                         sb::test::engine_name);

}  // namespace
}  // namespace sb::identity
