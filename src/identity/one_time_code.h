// Short one-time secrets: numeric codes sent by SMS/email (phone OTP) and
// MFA recovery codes. Pure logic over an injected Clock; the caller persists
// the state structs declared here and passes them back.
//
// Codes are never stored in clear: CodeHasher keeps HMAC-SHA256 under a
// server-side pepper, bound to a context (e.g. "otp:+15551234567",
// "recovery:<user id>") so a hash copied to another row does not verify. With
// the pepper held outside the database, a dump of the hashes does not let an
// attacker enumerate the 10^6 possible codes offline.
//
// Thread-safety: free functions are thread-safe; CodeHasher and
// OtpAttemptPolicy are immutable after construction and may be shared.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sb::identity {

// `length` decimal digits (1..12), each uniform: CSPRNG bytes by rejection
// sampling, so no modulo bias. Leading zeros are kept.
std::string generate_numeric_code(int length = 6);

class CodeHasher {
 public:
  static constexpr size_t kMinPepperBytes = 32;
  // Errors: InvalidArgument("/pepper") when shorter than kMinPepperBytes.
  static Result<CodeHasher> create(std::string pepper);

  // Lower-case hex of HMAC-SHA256(pepper, context || 0x00 || code).
  std::string hash(std::string_view context, std::string_view code) const;
  // Constant-time comparison against a stored hash.
  bool verify(std::string_view context, std::string_view code, std::string_view stored_hash) const;

 private:
  explicit CodeHasher(std::string pepper) : pepper_(std::move(pepper)) {}
  std::string pepper_;  // immutable after construction
};

// ---- Phone / email OTP -----------------------------------------------------

struct OtpPolicy {
  int code_length = 6;                  // 4..10
  int max_attempts = 5;                 // per code, then the code is dead
  int64_t ttl_ms = 5 * 60 * 1000;       // code lifetime
  int64_t resend_cooldown_ms = 60'000;  // minimum gap between sends to one context
};

// InvalidArgument naming the offending field.
Status validate(const OtpPolicy& policy);

// What the caller persists per context (one live code per phone/email).
struct OtpState {
  std::string code_hash;  // CodeHasher::hash(context, code)
  int64_t issued_ms = 0;
  int64_t expires_ms = 0;
  int attempts = 0;       // failed verifications so far
  bool consumed = false;  // true once verified; the code never works again
};

struct IssuedOtp {
  std::string code;  // plaintext: send it, never store or log it
  OtpState state;    // replaces any previous state for the context
};

enum class OtpOutcome {
  kAccepted,
  kWrongCode,          // attempts incremented
  kExpired,
  kAttemptsExhausted,  // max_attempts reached, even if this code was right
  kAlreadyUsed,
  kMalformed,          // not 4..12 ASCII digits; no attempt counted
};

// kAccepted → ok; kMalformed → InvalidArgument("/code"); kAttemptsExhausted →
// ResourceExhausted; the rest → Unauthenticated. Callers that must not
// reveal more can collapse these further.
Status to_status(OtpOutcome outcome);

class OtpAttemptPolicy {
 public:
  // Validates policy; borrows `clock` and `hasher`, which must outlive it.
  static Result<OtpAttemptPolicy> create(const Clock& clock, const CodeHasher& hasher,
                                         OtpPolicy policy = {});

  const OtpPolicy& policy() const { return policy_; }

  // Milliseconds until a new code may be sent; 0 when allowed now. The
  // cooldown applies while the previous code is unconsumed (even if it has
  // expired or run out of attempts), so a resend cannot reset the attempt
  // counter faster than once per cooldown.
  int64_t resend_wait_ms(const std::optional<OtpState>& previous) const;

  // A fresh code for `context`. Errors: ResourceExhausted while the resend
  // cooldown runs (the message carries the wait in seconds).
  Result<IssuedOtp> issue(std::string_view context, const std::optional<OtpState>& previous) const;

  // Checks `code` and updates `state` (attempts, consumed). The caller must
  // persist `state` whatever the outcome, or the attempt limit is void. The
  // failure that uses up the last attempt reports kWrongCode; later calls
  // report kAttemptsExhausted without comparing. Length is not checked
  // against code_length, so codes issued before a config change still work.
  OtpOutcome verify(std::string_view context, std::string_view code, OtpState& state) const;

 private:
  OtpAttemptPolicy(const Clock& clock, const CodeHasher& hasher, OtpPolicy policy)
      : clock_(&clock), hasher_(&hasher), policy_(policy) {}

  // Immutable after construction.
  const Clock* clock_;
  const CodeHasher* hasher_;
  OtpPolicy policy_;
};

// ---- MFA recovery codes ----------------------------------------------------

inline constexpr int kRecoveryCodeCount = 10;
// Lower-case letters and digits without 0/o, 1/l/i (31 symbols, ~39.6 bits
// per 8-character code).
inline constexpr std::string_view kRecoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz";

struct StoredRecoveryCode {
  std::string hash;                    // CodeHasher::hash(context, normalized code)
  std::optional<int64_t> used_at_ms;   // set once redeemed
};

struct RecoveryCodeSet {
  std::vector<std::string> codes;           // "xxxx-xxxx", shown to the user once
  std::vector<StoredRecoveryCode> stored;   // what the caller persists (same order)
};

// `count` new codes; regenerating replaces the whole stored set.
RecoveryCodeSet generate_recovery_codes(const CodeHasher& hasher, std::string_view context,
                                        int count = kRecoveryCodeCount);

// Lower-cases and drops '-' and whitespace, so "ABCD-EFGH", "abcd efgh" and
// "abcdefgh" are the same code.
std::string normalize_recovery_code(std::string_view input);

// Finds an unused code equal to `input` (all entries compared, constant time
// each), marks it used at `now_ms` and returns its index; the caller persists
// `codes`. Errors: Unauthenticated for an unknown or already used code.
Result<size_t> redeem_recovery_code(const CodeHasher& hasher, std::string_view context,
                                    std::string_view input, std::vector<StoredRecoveryCode>& codes,
                                    int64_t now_ms);

// Unused codes left (to warn the user when few remain).
int remaining_recovery_codes(const std::vector<StoredRecoveryCode>& codes);

}  // namespace sb::identity
