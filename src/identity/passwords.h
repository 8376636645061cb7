// Password hashing and the password policy.
//
// Hashing is Argon2id through libsodium (crypto_pwhash_str_alg), producing
// self-describing "$argon2id$v=19$m=…,t=…,p=1$salt$hash" strings, so
// parameters can be raised later: needs_rehash() tells the caller to re-hash
// on the next successful login. The policy (length bounds, common/breached
// password list, not the account's own email) runs before hashing, at
// registration and reset, never at login.
//
// Cost: each hash or verify takes memlimit bytes of RAM and ~opslimit passes
// over it; the defaults (t=3, 64 MiB) measured ~140 ms on one core of the
// development machine. Callers should bound concurrent hashing (a bulkhead)
// so a burst of logins cannot exhaust memory.
//
// Thread-safety: all functions are thread-safe; PasswordHasher is immutable
// after construction and may be shared. libsodium is initialised once, on
// first use, by a thread-safe static.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sb::identity {

// Above this, a password is refused before any hashing, whatever the policy:
// it bounds the work an unauthenticated request can cause.
inline constexpr size_t kPasswordHardMaxBytes = 4096;

struct PasswordHashParams {
  // Production defaults: between libsodium's INTERACTIVE (t=2, 64 MiB) and
  // MODERATE (t=3, 256 MiB ≈ 0.8 s here), above OWASP's Argon2id minimum
  // (t=2, 19 MiB). Tests may go down to t=1, 8 KiB to stay fast.
  uint64_t opslimit = 3;
  size_t memlimit = size_t{64} << 20;
};

// InvalidArgument naming "/opslimit" or "/memlimit" outside libsodium's range.
Status validate(const PasswordHashParams& params);

class PasswordHasher {
 public:
  // Validates params. The dummy hash verify_dummy() checks against is made on
  // its first use, so start-up (and every CLI command) does not pay an
  // Argon2id hash it may never need.
  static Result<PasswordHasher> create(PasswordHashParams params = {});

  const PasswordHashParams& params() const { return params_; }

  // A fresh salted Argon2id hash string. Errors: InvalidArgument("/password")
  // above kPasswordHardMaxBytes; Internal when libsodium fails (out of memory).
  Result<std::string> hash(std::string_view password) const;

  // True when `password` matches `stored` (Argon2id or Argon2i string). False
  // for a wrong password, a malformed hash, or a password above the hard max.
  bool verify(std::string_view password, std::string_view stored) const;

  // Same work as verify() against a hash of this hasher's parameters, result
  // ignored: call it when the account does not exist, so response time does
  // not reveal which accounts exist.
  void verify_dummy(std::string_view password) const;

  // True when `stored` is not an Argon2id hash with exactly this hasher's
  // parameters (including malformed strings and Argon2i hashes).
  bool needs_rehash(std::string_view stored) const;

 private:
  struct Dummy {
    std::once_flag made;
    std::string hash;  // set once under `made`
  };
  explicit PasswordHasher(PasswordHashParams params) : params_(params), dummy_(std::make_shared<Dummy>()) {}

  // Immutable after construction.
  PasswordHashParams params_;
  std::shared_ptr<Dummy> dummy_;  // shared by copies; internally synchronised
};

struct PasswordPolicy {
  size_t min_chars = 10;   // Unicode code points, not bytes (NIST SP 800-63B counts characters)
  size_t max_bytes = 256;  // bounds hashing cost; at most kPasswordHardMaxBytes
  bool reject_common = true;
};

// InvalidArgument naming "/min_chars" or "/max_bytes".
Status validate(const PasswordPolicy& policy);

// Checks a new password. `email` (optional) is the account's address: the
// password may not equal it or its local part. Errors: InvalidArgument with
// field "/password" and a message fit to show the user.
Status check_password_policy(std::string_view password, const PasswordPolicy& policy,
                             std::string_view email = {});

// True when `password` (ASCII case-insensitive) is on the built-in list of the
// most common passwords, or is such a password followed only by digits or
// punctuation ("Sunshine2024!"). Defined in common_passwords.cpp.
bool is_common_password(std::string_view password);

}  // namespace sb::identity
