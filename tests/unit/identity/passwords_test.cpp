#include "identity/passwords.h"

#include <gtest/gtest.h>
#include <sodium.h>

namespace sb::identity {
namespace {

// Smallest Argon2id cost libsodium allows: keeps the suite fast. Production
// parameters are covered once, in DefaultParametersAreProductionStrength.
constexpr PasswordHashParams kFast{.opslimit = 1, .memlimit = 8192};

PasswordHasher make_hasher(PasswordHashParams p = kFast) {
  auto h = PasswordHasher::create(p);
  EXPECT_TRUE(h.ok()) << h.status().to_string();
  return std::move(h).value();
}

void expect_rejected(const Status& s, std::string_view message_part) {
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  ASSERT_EQ(s.fields().size(), 1u);
  EXPECT_EQ(s.fields()[0].field, "/password");
  EXPECT_NE(s.fields()[0].message.find(message_part), std::string::npos) << s.fields()[0].message;
}

TEST(PasswordHasher, HashesWithArgon2idAndVerifies) {
  PasswordHasher h = make_hasher();
  auto hash = h.hash("correct horse battery staple");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(h.verify("correct horse battery staple", *hash));
  EXPECT_FALSE(h.verify("correct horse battery stapl", *hash));
  EXPECT_FALSE(h.verify("Correct horse battery staple", *hash));
  EXPECT_FALSE(h.verify("", *hash));
}

TEST(PasswordHasher, SaltsEveryHash) {
  PasswordHasher h = make_hasher();
  auto a = h.hash("same password here");
  auto b = h.hash("same password here");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(h.verify("same password here", *a));
  EXPECT_TRUE(h.verify("same password here", *b));
}

TEST(PasswordHasher, MalformedStoredHashNeverVerifies) {
  PasswordHasher h = make_hasher();
  const std::string bads[] = {"", "plaintext", "$argon2id$v=19$m=8,t=1,p=1$", std::string(200, 'x'),
                             std::string("$argon2id\0$v=19", 15)};
  for (const std::string& bad : bads)
    EXPECT_FALSE(h.verify("plaintext", bad)) << bad;
}

TEST(PasswordHasher, BinaryAndMultibytePasswordsAreHashedWhole) {
  PasswordHasher h = make_hasher();
  std::string with_nul("abc\0def", 7);
  auto hash = h.hash(with_nul);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(h.verify(with_nul, *hash));
  EXPECT_FALSE(h.verify("abc", *hash));  // not truncated at the NUL
  auto utf8 = h.hash("pässwörd-ünïcode");
  ASSERT_TRUE(utf8.ok());
  EXPECT_TRUE(h.verify("pässwörd-ünïcode", *utf8));
}

TEST(PasswordHasher, RefusesPasswordsAboveTheHardMax) {
  PasswordHasher h = make_hasher();
  std::string huge(kPasswordHardMaxBytes + 1, 'a');
  auto r = h.hash(huge);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().fields()[0].field, "/password");
  auto ok = h.hash(std::string(kPasswordHardMaxBytes, 'a'));
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(h.verify(huge, *ok));
}

TEST(PasswordHasher, NeedsRehashWhenParametersOrAlgorithmDiffer) {
  PasswordHasher fast = make_hasher();
  PasswordHasher stronger = make_hasher({.opslimit = 2, .memlimit = 16384});
  auto hash = fast.hash("a fine password");
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(fast.needs_rehash(*hash));
  EXPECT_TRUE(stronger.needs_rehash(*hash));
  EXPECT_TRUE(stronger.verify("a fine password", *hash));  // old hashes still log in

  // Argon2i with identical parameters: still verifies, but must be upgraded.
  char argon2i[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str_alg(argon2i, "legacy pw", 9, 3, 8192, crypto_pwhash_ALG_ARGON2I13), 0);
  PasswordHasher same_params = make_hasher({.opslimit = 3, .memlimit = 8192});
  EXPECT_TRUE(same_params.verify("legacy pw", argon2i));
  EXPECT_TRUE(same_params.needs_rehash(argon2i));

  EXPECT_TRUE(fast.needs_rehash(""));
  EXPECT_TRUE(fast.needs_rehash("$2b$10$bcrypt.hash.from.elsewhere"));
}

TEST(PasswordHasher, VerifyDummyRunsWithoutAStoredHash) {
  PasswordHasher h = make_hasher();
  h.verify_dummy("whatever the user typed");
  h.verify_dummy("");
  h.verify_dummy(std::string(kPasswordHardMaxBytes + 1, 'x'));
}

TEST(PasswordHasher, DefaultParametersAreProductionStrength) {
  PasswordHashParams defaults;
  EXPECT_EQ(defaults.opslimit, 3u);
  EXPECT_EQ(defaults.memlimit, size_t{64} << 20);
  PasswordHasher h = make_hasher(defaults);
  auto hash = h.hash("production cost check");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0), 0u) << *hash;
  EXPECT_FALSE(h.needs_rehash(*hash));
}

TEST(PasswordHasher, ParametersAreValidated) {
  EXPECT_FALSE(PasswordHasher::create({.opslimit = 0, .memlimit = 8192}).ok());
  EXPECT_FALSE(PasswordHasher::create({.opslimit = 1, .memlimit = 4096}).ok());
  Status s = validate(PasswordHashParams{.opslimit = 0, .memlimit = 1});
  ASSERT_EQ(s.fields().size(), 2u);
  EXPECT_EQ(s.fields()[0].field, "/opslimit");
  EXPECT_EQ(s.fields()[1].field, "/memlimit");
}

// ---- Policy ----------------------------------------------------------------------

TEST(PasswordPolicy, LengthBounds) {
  PasswordPolicy p;
  expect_rejected(check_password_policy("", p), "at least 10 characters");
  expect_rejected(check_password_policy("xk3!vQ9#p", p), "at least 10 characters");  // 9
  EXPECT_TRUE(check_password_policy("xk3!vQ9#pL", p).is_ok());                        // 10

  std::string long_ok;
  for (int i = 0; long_ok.size() < 256; ++i) long_ok += "w" + std::to_string(i * 7919);
  long_ok.resize(256);
  EXPECT_TRUE(check_password_policy(long_ok, p).is_ok());
  expect_rejected(check_password_policy(long_ok + "z", p), "at most 256 bytes");
}

TEST(PasswordPolicy, MinimumCountsCharactersNotBytes) {
  PasswordPolicy p;
  // 9 characters, 27 bytes: too short although the byte count is large.
  expect_rejected(check_password_policy("日本語のパスワード", p), "at least 10 characters");
  EXPECT_TRUE(check_password_policy("日本語のパスワードだ", p).is_ok());
}

TEST(PasswordPolicy, RejectsCommonPasswordsCaseInsensitively) {
  PasswordPolicy p;
  for (std::string pw : {"password123", "PASSWORD123", "1234567890", "qwertyuiop", "QwertyUiop",
                         "iloveyou123", "1q2w3e4r5t", "1qaz2wsx3edc", "liverpool1", "basketball"})
    expect_rejected(check_password_policy(pw, p), "too common");
}

TEST(PasswordPolicy, RejectsCommonWordsWithDigitOrSymbolSuffixes) {
  PasswordPolicy p;
  for (std::string pw : {"Sunshine2024!", "dragon123456", "Monkey!!!2025", "letmein12345"})
    expect_rejected(check_password_policy(pw, p), "too common");
  EXPECT_TRUE(check_password_policy("sunshine and rain", p).is_ok());
  EXPECT_TRUE(check_password_policy("2024sunshine!", p).is_ok());  // only suffixes are stripped
}

TEST(PasswordPolicy, RejectsRepeatedAndSequentialCharacters) {
  PasswordPolicy p;
  for (std::string pw : {"aaaaaaaaaaaa", "ZZZZZZZZZZZZ", "abababababab", "abcabcabcabc",
                         "abcdefghijklm", "zyxwvutsrqpo"})
    expect_rejected(check_password_policy(pw, p), "");
  expect_rejected(check_password_policy("aaaaaaaaaaaa", p), "predictable");
}

TEST(PasswordPolicy, RejectsTheAccountsOwnEmail) {
  PasswordPolicy p;
  expect_rejected(check_password_policy("Alice.Smith", p, "alice.smith@example.com"),
                  "email address");
  expect_rejected(check_password_policy("alice.smith@example.com", p, "Alice.Smith@Example.com"),
                  "email address");
  EXPECT_TRUE(check_password_policy("Alice.Smith", p, "bob.jones@example.com").is_ok());
  EXPECT_TRUE(check_password_policy("Alice.Smith", p).is_ok());
}

TEST(PasswordPolicy, StrongPasswordsPass) {
  PasswordPolicy p;
  for (std::string pw : {"correct horse battery staple", "Tr0ub4dor&3xyz", "vN7#qLp2!xRw",
                         "mein Hund heißt Bello"})
    EXPECT_TRUE(check_password_policy(pw, p).is_ok()) << pw;
}

TEST(PasswordPolicy, CommonCheckCanBeTurnedOff) {
  PasswordPolicy p{.reject_common = false};
  EXPECT_TRUE(check_password_policy("password123", p).is_ok());
  expect_rejected(check_password_policy("password", p), "at least 10");  // length still applies
}

TEST(PasswordPolicy, IsValidated) {
  EXPECT_TRUE(validate(PasswordPolicy{}).is_ok());
  Status s = validate(PasswordPolicy{.min_chars = 4, .max_bytes = 5000});
  ASSERT_EQ(s.fields().size(), 2u);
  EXPECT_EQ(s.fields()[0].field, "/max_bytes");
  EXPECT_EQ(s.fields()[1].field, "/min_chars");
}

TEST(CommonPasswords, ListLookupIsCaseInsensitiveWithSuffixRule) {
  for (std::string pw : {"password", "123456", "qwerty", "letmein", "LetMeIn", "trustno1",
                         "letmein!", "Football99", "admin@123"})
    EXPECT_TRUE(is_common_password(pw)) << pw;
  for (std::string pw : {"horsebatterystaple", "sunshineandrain", "", "12345xyz", "abc!"})
    EXPECT_FALSE(is_common_password(pw)) << pw;
}

}  // namespace
}  // namespace sb::identity
