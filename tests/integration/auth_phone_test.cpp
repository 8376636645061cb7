// AuthService::otp_verify on both engines: only a VERIFIED phone signs in to
// its account. A phone typed at registration is a claim; an anonymous caller
// who proves the number takes it away from that account (and signs up, if
// phone sign-up is on); a signed-in caller verifies it on their own account
// or adds it. Time is a ManualClock; nothing sleeps.
#include <set>

#include "auth_test_fixture.h"

namespace sb::identity {
namespace {

constexpr const char* kOther = "+15551230002";
constexpr const char* kThird = "+15551230003";

class AuthPhoneTest : public AuthServiceTest {
 protected:
  Result<SignIn> prove(const std::string& phone, const ClientInfo& client) {
    Status sent = auth->otp_send(phone, kClient);
    EXPECT_TRUE(sent) << sent.to_string();
    return auth->otp_verify(phone, notifier.last_code(phone), client);
  }

  // The keys of a user.phone_removed event's data: no more than other
  // identity events carry.
  static std::set<std::string> data_keys(const boost::json::object& ev) {
    std::set<std::string> keys;
    for (const auto& kv : ev.at("data").as_object()) keys.insert(std::string(kv.key()));
    return keys;
  }
};

// Pre-account takeover: Mallory registers with Victor's number; when Victor
// later signs in by OTP he must not land in Mallory's account.
TEST_P(AuthPhoneTest, AnonymousProofOfAnUnverifiedPhoneTakesItAwayAndSignsUpTheCaller) {
  User mallory = register_alice(kPhone);
  EXPECT_FALSE(mallory.phone_verified);
  auto victor = prove(kPhone, kClient);
  ASSERT_TRUE(victor.ok()) << victor.status().to_string();
  ASSERT_TRUE(victor->tokens.has_value());
  EXPECT_NE(victor->user_id, mallory.id);
  EXPECT_EQ((*auth->verifier().verify(victor->tokens->access_token))->sub, victor->user_id);

  User owner = *auth->get_user(victor->user_id);
  EXPECT_EQ(owner.phone, kPhone);
  EXPECT_TRUE(owner.phone_verified);
  EXPECT_FALSE(owner.has_password);
  User left = *auth->get_user(mallory.id);
  EXPECT_EQ(left.phone, "");
  EXPECT_FALSE(left.phone_verified);
  EXPECT_EQ(left.email, "alice@example.com");

  auto removed = events("user.phone_removed");
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(text_of(removed[0], "subject"), mallory.id);
  EXPECT_EQ(data_of(removed[0], "user_id"), mallory.id);
  EXPECT_EQ(data_keys(removed[0]), (std::set<std::string>{"user_id", "phone", "reason"}));
  for (const auto& login : events("user.login")) EXPECT_EQ(text_of(login, "subject"), owner.id);

  // Mallory's password no longer opens anything by that phone; her email still works.
  EXPECT_EQ(auth->login("", kPhone, kPassword, kClient).status().code(), Code::kUnauthenticated);
  EXPECT_TRUE(auth->login("alice@example.com", "", kPassword, kClient).ok());
  // Victor signs in to his own account from now on.
  auto again = prove(kPhone, kClient);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->user_id, owner.id);
}

TEST_P(AuthPhoneTest, WithoutPhoneSignupTheTakenAwayPhoneGetsAVerificationOnlyAnswer) {
  AuthOptions o = test_options();
  o.phone_signup = false;
  auth = make(o);
  User mallory = register_alice(kPhone);
  auto r = prove(kPhone, kClient);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_FALSE(r->tokens.has_value());
  EXPECT_FALSE(r->mfa_required);
  EXPECT_EQ(r->user_id, "");
  EXPECT_EQ(auth->get_user(mallory.id)->phone, "");
  EXPECT_EQ(auth->find_user("", kPhone).status().code(), Code::kNotFound);
  EXPECT_TRUE(events("user.login").empty());
  EXPECT_EQ(events("user.registered").size(), 1u);
  EXPECT_EQ(events("user.phone_removed").size(), 1u);
}

TEST_P(AuthPhoneTest, SignedInCallerVerifiesItsOwnPhoneWithoutNewTokens) {
  User alice = register_alice(kPhone);
  auto r = prove(kPhone, as_user(alice.id));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->user_id, alice.id);
  EXPECT_FALSE(r->tokens.has_value());
  EXPECT_FALSE(r->mfa_required);
  EXPECT_TRUE(auth->get_user(alice.id)->phone_verified);
  ASSERT_EQ(events("user.phone_verified").size(), 1u);
  EXPECT_TRUE(events("user.login").empty());
  EXPECT_TRUE(events("user.phone_removed").empty());
  // Again: nothing changes.
  ASSERT_TRUE(prove(kPhone, as_user(alice.id)).ok());
  EXPECT_EQ(events("user.phone_verified").size(), 1u);
  // Verified: the anonymous proof now signs in to Alice.
  auto in = prove(kPhone, kClient);
  ASSERT_TRUE(in.ok()) << in.status().to_string();
  EXPECT_EQ(in->user_id, alice.id);
  EXPECT_TRUE(in->tokens.has_value());
  EXPECT_EQ(created.size(), 1u);
}

TEST_P(AuthPhoneTest, SignedInCallerAddsAPhoneButNeverTakesAVerifiedOne) {
  User alice = register_alice(kPhone);
  verify_phone(alice.id, kPhone);
  auto bob = auth->register_user({"bob@example.com", "", kPassword}, kClient);
  ASSERT_TRUE(bob.ok());

  // A number on no account: added to Bob's, verified.
  auto added = prove(kOther, as_user(bob->id));
  ASSERT_TRUE(added.ok()) << added.status().to_string();
  EXPECT_FALSE(added->tokens.has_value());
  User b = *auth->get_user(bob->id);
  EXPECT_EQ(b.phone, kOther);
  EXPECT_TRUE(b.phone_verified);
  EXPECT_EQ(created.size(), 2u);  // no sign-up

  // Alice's verified number: Conflict, generic; nothing moves.
  auto taken = prove(kPhone, as_user(bob->id));
  EXPECT_EQ(taken.status().code(), Code::kConflict);
  EXPECT_EQ(taken.status().message().find("alice"), std::string::npos);
  EXPECT_EQ(auth->get_user(alice.id)->phone, kPhone);
  EXPECT_EQ(auth->get_user(bob->id)->phone, kOther);

  // Carol typed a number she cannot prove; Bob proves it: it leaves Carol
  // and replaces Bob's previous number.
  auto carol = auth->register_user({"carol@example.com", kThird, kPassword}, kClient);
  ASSERT_TRUE(carol.ok());
  auto moved = prove(kThird, as_user(bob->id));
  ASSERT_TRUE(moved.ok()) << moved.status().to_string();
  EXPECT_EQ(auth->get_user(carol->id)->phone, "");
  b = *auth->get_user(bob->id);
  EXPECT_EQ(b.phone, kThird);
  EXPECT_TRUE(b.phone_verified);
  auto removed = events("user.phone_removed");
  ASSERT_EQ(removed.size(), 2u);
  std::set<std::string> subjects{text_of(removed[0], "subject"), text_of(removed[1], "subject")};
  EXPECT_EQ(subjects, (std::set<std::string>{carol->id, bob->id}));
  EXPECT_TRUE(events("user.login").empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, AuthPhoneTest, ::testing::ValuesIn(sb::test::all_engines()),
                         sb::test::engine_name);

}  // namespace
}  // namespace sb::identity
