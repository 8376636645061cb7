// AuthService on both engines: TOTP MFA with recovery codes, signing keys
// shared between instances and rotated, and that no event payload carries a
// secret. Time is a ManualClock; nothing sleeps.
#include <set>
#include <thread>

#include "auth_test_fixture.h"
#include "core/crypto.h"

namespace sb::identity {
namespace {

TEST_P(AuthServiceTest, TotpMfaWithRecoveryCodes) {
  User u = register_alice();
  auto enrollment = auth->totp_enroll(u.id);
  ASSERT_TRUE(enrollment.ok());
  EXPECT_NE(enrollment->otpauth_uri.find("otpauth://totp/Switchboard:alice%40example.com?secret=" +
                                         enrollment->secret_base32),
            std::string::npos)
      << enrollment->otpauth_uri;
  std::string bad = totp_code(enrollment->secret_base32, 5);
  EXPECT_EQ(auth->totp_confirm(u.id, bad).status().code(), Code::kUnauthenticated);
  EXPECT_FALSE(auth->get_user(u.id)->mfa_enabled);
  auto recovery = auth->totp_confirm(u.id, totp_code(enrollment->secret_base32));
  ASSERT_TRUE(recovery.ok()) << recovery.status().to_string();
  EXPECT_EQ(recovery->size(), 10u);
  EXPECT_TRUE(auth->get_user(u.id)->mfa_enabled);
  ASSERT_EQ(events("user.mfa_enabled").size(), 1u);
  EXPECT_EQ(auth->totp_enroll(u.id).status().code(), Code::kConflict);
  // The secret is sealed at rest.
  ASSERT_TRUE(db->read([&](store::Tx& tx) -> Status {
    auto rows = tx.query("SELECT secret FROM mfa_totp");
    EXPECT_EQ((*rows)[0].text_at(0).find(enrollment->secret_base32), std::string::npos);
    EXPECT_EQ((*rows)[0].text_at(0).rfind("v1.", 0), 0u);
    return {};
  }));

  // The confirming code cannot be replayed at sign-in.
  auto s1 = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(s1.ok());
  EXPECT_TRUE(s1->mfa_required);
  EXPECT_FALSE(s1->tokens.has_value());
  EXPECT_EQ(s1->user_id, u.id);
  EXPECT_TRUE(events("user.login").empty());
  EXPECT_EQ(auth->mfa_verify(s1->mfa_token, totp_code(enrollment->secret_base32), "", kClient).status().code(),
            Code::kUnauthenticated);
  EXPECT_EQ(auth->mfa_verify(s1->mfa_token, "1", "x", kClient).status().code(), Code::kInvalidArgument);
  clock.advance(30s);
  std::string code = totp_code(enrollment->secret_base32);
  auto t1 = auth->mfa_verify(s1->mfa_token, code, "", kClient);
  ASSERT_TRUE(t1.ok()) << t1.status().to_string();
  EXPECT_EQ((*auth->verifier().verify(t1->access_token))->amr, (std::vector<std::string>{"pwd", "mfa", "otp"}));
  // The mfa_token is single-use; the code too.
  EXPECT_EQ(auth->mfa_verify(s1->mfa_token, code, "", kClient).status().code(), Code::kUnauthenticated);
  auto s2 = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(s2.ok());
  EXPECT_EQ(auth->mfa_verify(s2->mfa_token, code, "", kClient).status().code(), Code::kUnauthenticated);

  // Recovery code: once.
  auto t2 = auth->mfa_verify(s2->mfa_token, "", (*recovery)[0], kClient);
  ASSERT_TRUE(t2.ok()) << t2.status().to_string();
  EXPECT_EQ((*auth->verifier().verify(t2->access_token))->amr, (std::vector<std::string>{"pwd", "mfa"}));
  auto s3 = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(s3.ok()) << s3.status().to_string();
  EXPECT_EQ(auth->mfa_verify(s3->mfa_token, "", (*recovery)[0], kClient).status().code(), Code::kUnauthenticated);
  auto upper = (*recovery)[1];
  for (auto& c : upper) c = static_cast<char>(toupper(c));
  clock.advance(2s);  // one failure above: no delay yet
  ASSERT_TRUE(auth->mfa_verify(s3->mfa_token, "", upper, kClient).ok());

  // Regenerating (with an unused recovery code) replaces the set.
  auto fresh = auth->regenerate_recovery_codes(u.id, (*recovery)[2]);
  ASSERT_TRUE(fresh.ok()) << fresh.status().to_string();
  auto s4 = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(s4.ok()) << s4.status().to_string();
  EXPECT_EQ(auth->mfa_verify(s4->mfa_token, "", (*recovery)[2], kClient).status().code(), Code::kUnauthenticated);
  clock.advance(2s);
  ASSERT_TRUE(auth->mfa_verify(s4->mfa_token, "", (*fresh)[0], kClient).ok());

  // The mfa_token expires.
  auto s5 = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(s5.ok());
  clock.advance(5min + 1s);
  EXPECT_EQ(auth->mfa_verify(s5->mfa_token, totp_code(enrollment->secret_base32), "", kClient).status().code(),
            Code::kUnauthenticated);

  // Disabling needs a valid factor.
  EXPECT_EQ(auth->totp_disable(u.id, totp_code(enrollment->secret_base32, 7)).code(), Code::kUnauthenticated);
  EXPECT_EQ(auth->totp_disable(u.id, "zzzz-zzzz").code(), Code::kUnauthenticated);
  clock.advance(1s);  // those two counted as failures: the delay runs
  ASSERT_TRUE(auth->totp_disable(u.id, totp_code(enrollment->secret_base32)));
  EXPECT_FALSE(auth->get_user(u.id)->mfa_enabled);
  ASSERT_EQ(events("user.mfa_disabled").size(), 1u);
  auto plain = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->mfa_required);
  EXPECT_TRUE(plain->tokens.has_value());
  EXPECT_EQ(auth->regenerate_recovery_codes(u.id, "123456").status().code(), Code::kConflict);
}

// A stolen access token alone must not mint new second factors.
TEST_P(AuthServiceTest, RegeneratingRecoveryCodesNeedsACurrentSecondFactor) {
  User u = register_alice();
  auto [secret, recovery] = enable_mfa(u.id);
  EXPECT_EQ(auth->regenerate_recovery_codes(u.id, "").status().code(), Code::kInvalidArgument);
  auto wrong = auth->regenerate_recovery_codes(u.id, totp_code(secret, 7));
  EXPECT_EQ(wrong.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(auth->regenerate_recovery_codes(u.id, "zzzz-zzzz").status().code(), Code::kUnauthenticated);
  // Counted like wrong second factors at sign-in: the delay now applies.
  auto failed = events("user.login_failed");
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(data_of(failed[0], "reason"), "recovery_codes");
  EXPECT_EQ(auth->regenerate_recovery_codes(u.id, totp_code(secret)).status().code(), Code::kResourceExhausted);
  EXPECT_EQ(auth->login("alice@example.com", "", kPassword, kClient).status().code(), Code::kResourceExhausted);
  clock.advance(1s);

  // A current TOTP code works once; the old set is gone.
  std::string code = totp_code(secret);
  auto fresh = auth->regenerate_recovery_codes(u.id, code);
  ASSERT_TRUE(fresh.ok()) << fresh.status().to_string();
  EXPECT_EQ(fresh->size(), 10u);
  EXPECT_EQ(auth->regenerate_recovery_codes(u.id, code).status().code(), Code::kUnauthenticated);  // spent
  clock.advance(2s);
  EXPECT_EQ(auth->regenerate_recovery_codes(u.id, recovery[0]).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(events("user.login_failed").size(), 4u);
  clock.advance(4s);
  // An unused recovery code works, and is spent by it.
  auto again = auth->regenerate_recovery_codes(u.id, (*fresh)[0]);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  auto s = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(auth->mfa_verify(s->mfa_token, "", (*fresh)[1], kClient).status().code(), Code::kUnauthenticated);
}

// Wrong codes at confirm and disable count like wrong second factors at
// sign-in (same counter, delay and lock), or they would be a free oracle.
TEST_P(AuthServiceTest, WrongCodesAtConfirmAndDisableCountLikeSignInFailures) {
  User u = register_alice();
  auto e = auth->totp_enroll(u.id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(auth->totp_confirm(u.id, totp_code(e->secret_base32, 7)).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(auth->totp_confirm(u.id, "12").status().code(), Code::kInvalidArgument);  // malformed: not counted
  EXPECT_EQ(auth->totp_confirm(u.id, totp_code(e->secret_base32, 8)).status().code(), Code::kUnauthenticated);
  auto failed = events("user.login_failed");
  ASSERT_EQ(failed.size(), 2u);
  EXPECT_EQ(data_of(failed[0], "reason"), "totp_confirm");
  EXPECT_EQ(auth->totp_confirm(u.id, totp_code(e->secret_base32)).status().code(), Code::kResourceExhausted);
  clock.advance(1s);
  ASSERT_TRUE(auth->totp_confirm(u.id, totp_code(e->secret_base32)).ok());
  clock.advance(30s);

  EXPECT_EQ(auth->totp_disable(u.id, totp_code(e->secret_base32, 7)).code(), Code::kUnauthenticated);
  failed = events("user.login_failed");
  ASSERT_EQ(failed.size(), 3u);
  EXPECT_EQ(data_of(failed[2], "reason"), "totp_disable");
  // Three failures: 2 s before anything, password sign-in included.
  EXPECT_EQ(auth->totp_disable(u.id, totp_code(e->secret_base32)).code(), Code::kResourceExhausted);
  EXPECT_EQ(auth->login("alice@example.com", "", kPassword, kClient).status().code(), Code::kResourceExhausted);
  clock.advance(2s);
  for (int i = 0; i < 2; ++i) {  // up to the lock (threshold 5)
    EXPECT_EQ(auth->totp_disable(u.id, "zzzz-zzzz").code(), Code::kUnauthenticated);
    clock.advance(1min);
  }
  ASSERT_EQ(events("user.locked").size(), 1u);
  EXPECT_EQ(auth->totp_disable(u.id, totp_code(e->secret_base32)).code(), Code::kResourceExhausted);
  EXPECT_TRUE(auth->get_user(u.id)->mfa_enabled);
  clock.advance(15min);
  ASSERT_TRUE(auth->totp_disable(u.id, totp_code(e->secret_base32)));
  EXPECT_FALSE(auth->get_user(u.id)->mfa_enabled);
}

TEST_P(AuthServiceTest, WrongSecondFactorsCountTowardsTheLock) {
  User u = register_alice();
  auto [secret, recovery] = enable_mfa(u.id);
  auto s = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(s.ok());
  std::string wrong = totp_code(secret, 7);
  EXPECT_EQ(auth->mfa_verify(s->mfa_token, wrong, "", kClient).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(auth->mfa_verify(s->mfa_token, wrong, "", kClient).status().code(), Code::kUnauthenticated);
  // Two failures: even the right code waits for the delay.
  EXPECT_EQ(auth->mfa_verify(s->mfa_token, totp_code(secret), "", kClient).status().code(),
            Code::kResourceExhausted);
  // A new password sign-in does not reset the count.
  clock.advance(1s);
  auto again = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(auth->mfa_verify(again->mfa_token, wrong, "", kClient).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(events("user.login_failed").size(), 3u);
  EXPECT_EQ(data_of(events("user.login_failed")[0], "reason"), "mfa");
  clock.advance(2s);
  ASSERT_TRUE(auth->mfa_verify(again->mfa_token, totp_code(secret), "", kClient).ok());
  // Success clears it.
  auto fresh = auth->login("alice@example.com", "", kPassword, kClient);
  ASSERT_TRUE(fresh.ok()) << fresh.status().to_string();
}

TEST_P(AuthServiceTest, PhoneOtpSignInAsksForTheSecondFactor) {
  User u = register_alice(kPhone);
  verify_phone(u.id, kPhone);
  auto [secret, recovery] = enable_mfa(u.id);
  ASSERT_TRUE(auth->otp_send(kPhone, kClient));
  auto s = auth->otp_verify(kPhone, notifier.last_code(kPhone), kClient);
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  ASSERT_TRUE(s->mfa_required);
  auto t = auth->mfa_verify(s->mfa_token, totp_code(secret), "", kClient);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ((*auth->verifier().verify(t->access_token))->amr, (std::vector<std::string>{"otp", "mfa"}));
}

TEST_P(AuthServiceTest, SigningKeysAreSharedSealedAndRotated) {
  auto other = make(test_options());  // a second instance on the same Db
  ASSERT_TRUE(other);
  const std::string kid1 = auth->keys().current()->kid();
  EXPECT_EQ(other->keys().current()->kid(), kid1);
  ASSERT_TRUE(db->read([&](store::Tx& tx) -> Status {
    auto rows = tx.query("SELECT private_key, state FROM signing_keys");
    EXPECT_EQ(rows->size(), 1u);
    EXPECT_EQ((*rows)[0].text_at(0).find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ((*rows)[0].text_at(1), "current");
    return {};
  }));
  // Another master key cannot open them.
  AuthOptions wrong = test_options();
  wrong.master_key = std::string(32, 'W');
  EXPECT_EQ(AuthService::create(*db, log, clock, notifier, {}, wrong).status().code(), Code::kInternal);

  User u = register_alice();
  Tokens before = login_alice();
  ASSERT_TRUE(auth->rotate_signing_key());
  const std::string kid2 = auth->keys().current()->kid();
  EXPECT_NE(kid2, kid1);
  EXPECT_TRUE(auth->verifier().verify(before.access_token).ok());  // the old key still verifies
  auto rotated = events("identity.key_rotated");
  ASSERT_EQ(rotated.size(), 1u);
  EXPECT_EQ(data_of(rotated[0], "kid"), kid2);

  Tokens after = login_alice();
  EXPECT_FALSE(other->verifier().verify(after.access_token).ok());  // not told yet
  auto stored = log.read({"identity.key_rotated", "", 0, 10});
  auto ev = events::parse_stored((*stored)[0].sequence, (*stored)[0].envelope);
  ASSERT_TRUE(ev.ok());
  other->apply_event(*ev);
  EXPECT_EQ(other->keys().current()->kid(), kid2);
  EXPECT_TRUE(other->verifier().verify(after.access_token).ok());
  EXPECT_TRUE(other->verifier().verify(before.access_token).ok());

  // A restart loads the same ring.
  auto restarted = make(test_options());
  EXPECT_EQ(restarted->keys().current()->kid(), kid2);
  EXPECT_TRUE(restarted->verifier().verify(before.access_token).ok());
  EXPECT_NE(restarted->keys().jwks_json().find(kid1), std::string::npos);
  // Once every token of the old key has expired, it leaves the ring.
  clock.advance(931s);
  ASSERT_TRUE(restarted->reload_keys());
  EXPECT_EQ(restarted->keys().jwks_json().find(kid1), std::string::npos);
  EXPECT_NE(restarted->keys().jwks_json().find(kid2), std::string::npos);

  // Revocations reach other instances through the event.
  ASSERT_TRUE(auth->logout(u.id, after.session_id));
  EXPECT_FALSE(other->session_revoked(after.session_id));
  auto rev = log.read({"session.revoked", "", 0, 10});
  ASSERT_EQ(rev->size(), 1u);
  other->apply_event(*events::parse_stored((*rev)[0].sequence, (*rev)[0].envelope));
  EXPECT_TRUE(other->session_revoked(after.session_id));
}

TEST_P(AuthServiceTest, InstancesStartingTogetherAgreeOnOneSigningKey) {
  auto fresh = open_test_db(GetParam());
  auto second_handle = store::open(fresh.url());
  ASSERT_TRUE(second_handle.ok()) << second_handle.status().to_string();
  events::EventLog log_a(*fresh, clock), log_b(**second_handle, clock);
  std::unique_ptr<AuthService> a, b;
  std::thread ta([&] { a = std::move(AuthService::create(*fresh, log_a, clock, notifier, {}, test_options())).value(); });
  std::thread tb([&] {
    b = std::move(AuthService::create(**second_handle, log_b, clock, notifier, {}, test_options())).value();
  });
  ta.join();
  tb.join();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->reload_keys());
  EXPECT_EQ(a->keys().current()->kid(), b->keys().current()->kid());
  ASSERT_TRUE(fresh->read([&](store::Tx& tx) -> Status {
    EXPECT_EQ((*tx.query("SELECT COUNT(*) FROM signing_keys"))[0].int_at(0), 1);
    return {};
  }));
  b.reset();
  (*second_handle)->close();
}

TEST_P(AuthServiceTest, NoEventPayloadCarriesASecret) {
  std::vector<std::string> secrets;
  auto keep = [&](const std::string& s) {
    ASSERT_FALSE(s.empty());
    secrets.push_back(s);
    secrets.push_back(crypto::sha256_hex(s));
  };
  keep(kPassword);
  User u = register_alice(kPhone);
  keep(notifier.last_token());
  ASSERT_TRUE(auth->verify_email(notifier.last_token()).ok());
  keep("Wrong-Password-123");
  EXPECT_FALSE(auth->login("alice@example.com", "", "Wrong-Password-123", kClient).ok());
  Tokens t = login_alice();
  keep(t.access_token);
  keep(t.refresh_token);
  auto r = auth->refresh(t.refresh_token, kClient);
  ASSERT_TRUE(r.ok());
  keep(r->access_token);
  keep(r->refresh_token);
  EXPECT_FALSE(auth->refresh(t.refresh_token, kClient).ok());  // reuse
  ASSERT_TRUE(auth->otp_send(kPhone, kClient));
  keep(notifier.last_code(kPhone));
  auto otp = auth->otp_verify(kPhone, notifier.last_code(kPhone), kClient);
  ASSERT_TRUE(otp.ok());
  keep(otp->tokens->refresh_token);
  ASSERT_TRUE(auth->forgot_password("alice@example.com", kClient));
  keep(notifier.last_token());
  keep("Brand-New-Secret-42");
  ASSERT_TRUE(auth->reset_password(notifier.last_token(), "Brand-New-Secret-42"));
  auto e = auth->totp_enroll(u.id);
  ASSERT_TRUE(e.ok());
  keep(e->secret_base32);
  keep(e->otpauth_uri);
  std::string confirm = totp_code(e->secret_base32);
  keep(confirm);
  auto codes = auth->totp_confirm(u.id, confirm);
  ASSERT_TRUE(codes.ok());
  for (const auto& c : *codes) keep(c);
  clock.advance(30s);
  auto s = auth->login("alice@example.com", "", "Brand-New-Secret-42", kClient);
  ASSERT_TRUE(s.ok() && s->mfa_required);
  keep(s->mfa_token);
  std::string code = totp_code(e->secret_base32);
  keep(code);
  auto m = auth->mfa_verify(s->mfa_token, code, "", kClient);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  keep(m->refresh_token);
  auto fresh = auth->regenerate_recovery_codes(u.id, (*codes)[0]);
  ASSERT_TRUE(fresh.ok()) << fresh.status().to_string();
  for (const auto& c : *fresh) keep(c);
  ASSERT_TRUE(auth->totp_disable(u.id, (*fresh)[0]));
  ASSERT_TRUE(auth->logout_all(u.id));
  ASSERT_TRUE(auth->rotate_signing_key());
  // The password hash as stored.
  ASSERT_TRUE(db->read([&](store::Tx& tx) -> Status {
    auto rows = tx.query("SELECT password_hash FROM users");
    for (const auto& row : *rows)
      if (!row.is_null(0)) secrets.push_back(row.text_at(0));  // the phone sign-up has none
    return {};
  }));

  auto all = log.read({"*", "", 0, 1000});
  ASSERT_TRUE(all.ok());
  std::set<std::string> types;
  for (const auto& ev : *all) {
    types.insert(ev.type);
    for (const auto& secret : secrets)
      EXPECT_EQ(ev.envelope.find(secret), std::string::npos) << ev.type << " carries a secret: " << ev.envelope;
  }
  for (const char* type : {"user.registered", "user.login", "user.login_failed", "user.phone_verified", "user.phone_removed",
                           "user.email_verified", "user.mfa_enabled", "user.mfa_disabled", "user.password_reset",
                           "session.revoked", "identity.key_rotated"})
    EXPECT_TRUE(types.count(type)) << type;
}

INSTANTIATE_TEST_SUITE_P(Engines, AuthServiceTest, ::testing::ValuesIn(sb::test::all_engines()),
                         sb::test::engine_name);

}  // namespace
}  // namespace sb::identity
