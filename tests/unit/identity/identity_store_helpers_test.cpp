// Identity's internal helpers: address rules (email, E.164) and SecretBox,
// which seals signing keys and TOTP secrets at rest.
#include <gtest/gtest.h>

#include "identity/auth_service.h"
#include "identity/key_store.h"
#include "identity/user_store.h"

namespace sb::identity {
namespace {

TEST(NormalizeEmail, LowerCasesAndTrims) {
  auto e = normalize_email("  Alice.Smith+tag@Example.COM ");
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ(*e, "alice.smith+tag@example.com");
}

TEST(NormalizeEmail, RejectsMalformedWithTheField) {
  for (const char* bad : {"", "alice", "@example.com", "alice@", "alice@example", "a@b@example.com",
                          "alice smith@example.com", "alice@example..com", "alice@.example.com", "alice@example.com.",
                          "<alice@example.com>", "alice@exa\nmple.com"}) {
    auto e = normalize_email(bad);
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.status().code(), Code::kInvalidArgument);
    ASSERT_FALSE(e.status().fields().empty());
    EXPECT_EQ(e.status().fields()[0].field, "/email") << bad;
  }
  EXPECT_FALSE(normalize_email(std::string(250, 'a') + "@example.com").ok());
}

// Per-account rate limits key on this: spelling variants of one address
// must land in one bucket, or an attacker multiplies their attempts.
TEST(AccountKey, SpellingVariantsOfOneAccountShareAKey) {
  EXPECT_EQ(account_key(" Ada@Example.COM\t"), "ada@example.com");
  EXPECT_EQ(account_key("ada@example.com"), "ada@example.com");
  EXPECT_EQ(account_key(" +15551234567 "), "+15551234567");
  EXPECT_EQ(account_key(" NOT AN EMAIL "), "not an email");  // malformed: still folded
}

TEST(CheckE164, AcceptsOnlyPlusAndDigits) {
  EXPECT_TRUE(check_e164("+15551234567"));
  EXPECT_TRUE(check_e164("+4915112345678"));
  EXPECT_TRUE(check_e164("+1234567"));
  for (const char* bad : {"", "15551234567", "+0555123456", "+1 555 123 4567", "+1-555-1234567", "+123456",
                          "+1234567890123456", "+1555abc4567"}) {
    Status s = check_e164(bad);
    EXPECT_FALSE(s) << bad;
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    ASSERT_FALSE(s.fields().empty());
    EXPECT_EQ(s.fields()[0].field, "/phone");
  }
}

TEST(DeriveSubkey, IsStableAndSeparatesPurposes) {
  std::string master(32, 'm');
  EXPECT_EQ(derive_subkey(master, "a").size(), 32u);
  EXPECT_EQ(derive_subkey(master, "a"), derive_subkey(master, "a"));
  EXPECT_NE(derive_subkey(master, "a"), derive_subkey(master, "b"));
  EXPECT_NE(derive_subkey(master, "a"), derive_subkey(std::string(32, 'n'), "a"));
}

TEST(SecretBox, RoundTripsAndUsesAFreshNonce) {
  auto box = SecretBox::create(std::string(32, 'k'));
  ASSERT_TRUE(box.ok());
  std::string secret("\x00\x01secret\xff", 9);
  std::string a = box->seal(secret, "totp:u1");
  std::string b = box->seal(secret, "totp:u1");
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find("secret"), std::string::npos);
  auto opened = box->open(a, "totp:u1");
  ASSERT_TRUE(opened.ok()) << opened.status().to_string();
  EXPECT_EQ(*opened, secret);
}

TEST(SecretBox, RefusesOtherContextKeyOrTampering) {
  auto box = SecretBox::create(std::string(32, 'k'));
  auto other = SecretBox::create(std::string(32, 'x'));
  ASSERT_TRUE(box.ok() && other.ok());
  std::string sealed = box->seal("payload", "totp:u1");
  EXPECT_FALSE(box->open(sealed, "totp:u2").ok());  // row swapped
  EXPECT_FALSE(other->open(sealed, "totp:u1").ok());
  std::string tampered = sealed;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(box->open(tampered, "totp:u1").ok());
  EXPECT_FALSE(box->open("garbage", "totp:u1").ok());
  EXPECT_FALSE(box->open("v1.AAAA", "totp:u1").ok());
}

TEST(SecretBox, RequiresA32ByteKey) {
  auto bad = SecretBox::create("short");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace sb::identity
