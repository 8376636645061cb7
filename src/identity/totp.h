// TOTP/HOTP second factor (RFC 4226, RFC 6238) and the pieces enrollment
// needs: secret generation, RFC 4648 base32, and the otpauth:// provisioning
// URI that authenticator apps scan. Pure logic: no storage, no HTTP. Time
// comes from an injected Clock, so tests step it instead of sleeping.
//
// Replay: verify() returns the time step the code matched. The caller
// persists the highest accepted step per user and passes it back as
// `last_used_step`, which makes a code (and any older one still inside the
// window) unusable a second time.
//
// The secret is the raw key (not base32). It must be stored recoverably
// (encrypted at rest), unlike passwords or one-time codes.
//
// Thread-safety: free functions are thread-safe; Totp is immutable after
// construction and may be shared between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"

namespace sb::identity {

enum class OtpAlgorithm { kSha1, kSha256, kSha512 };

// "SHA1" / "SHA256" / "SHA512", as written in otpauth:// URIs.
std::string_view otp_algorithm_name(OtpAlgorithm alg);
// Case-insensitive inverse of otp_algorithm_name.
std::optional<OtpAlgorithm> parse_otp_algorithm(std::string_view name);

// RFC 4648 base32 (alphabet A-Z2-7). `pad` adds '=' to a multiple of 8;
// otpauth:// URIs use no padding.
std::string base32_encode(std::string_view raw, bool pad = false);
// Accepts upper or lower case, with or without correct '=' padding. Rejects
// other characters, impossible lengths and non-zero trailing bits, so every
// accepted text has exactly one meaning.
std::optional<std::string> base32_decode(std::string_view text);

inline constexpr size_t kTotpSecretBytes = 20;  // 160 bits, RFC 4226 §4 recommendation
// Fresh random secret from the CSPRNG (raw bytes).
std::string generate_totp_secret(size_t bytes = kTotpSecretBytes);

// RFC 4226 HOTP value for `counter`, zero-padded to `digits` (6..8).
// Errors: InvalidArgument for digits out of range or an empty secret.
Result<std::string> hotp(std::string_view secret, uint64_t counter, int digits = 6,
                         OtpAlgorithm alg = OtpAlgorithm::kSha1);

struct TotpParams {
  OtpAlgorithm algorithm = OtpAlgorithm::kSha1;
  int digits = 6;        // 6..8
  int period_s = 30;     // 1..300
  int window = 1;        // steps accepted either side of now, 0..10
  int64_t t0_s = 0;      // RFC 6238 T0
};

// InvalidArgument naming the offending field ("/digits", "/period", "/window").
Status validate(const TotpParams& params);

// Time step containing `unix_ms` (RFC 6238 T). Negative before T0.
int64_t totp_step(int64_t unix_ms, const TotpParams& params);

// Rejects a step that is not strictly newer than the last accepted one.
// Unauthenticated "code already used" when step <= last_used_step.
Status check_not_reused(int64_t step, std::optional<int64_t> last_used_step);

class Totp {
 public:
  // Validates params; the returned object borrows `clock`, which must outlive it.
  static Result<Totp> create(const Clock& clock, TotpParams params = {});

  const TotpParams& params() const { return params_; }
  int64_t current_step() const;
  // Code for a given step (for tests, enrollment display, and oathtool parity).
  std::string code_at_step(std::string_view secret, int64_t step) const;
  std::string current_code(std::string_view secret) const;

  // Checks `code` against every step in [now - window, now + window] without
  // an early exit and with constant-time comparisons, skipping steps already
  // consumed (<= last_used_step). Returns the matched step, which the caller
  // stores as the new last_used_step.
  // Errors: InvalidArgument("/code") when not `digits` ASCII digits;
  // Unauthenticated when no step matches or the match was already used.
  Result<int64_t> verify(std::string_view secret, std::string_view code,
                         std::optional<int64_t> last_used_step = std::nullopt) const;

 private:
  Totp(const Clock& clock, TotpParams params) : clock_(&clock), params_(params) {}

  // Immutable after construction.
  const Clock* clock_;
  TotpParams params_;
};

// otpauth://totp/Issuer:account?secret=BASE32&issuer=Issuer&algorithm=SHA1&digits=6&period=30
// Issuer and account are percent-encoded (RFC 3986 unreserved characters stay
// literal, everything else including ':' '@' and space becomes %XX); an empty
// issuer drops the label prefix and the issuer parameter. `secret` is raw.
std::string totp_provisioning_uri(std::string_view issuer, std::string_view account,
                                  std::string_view secret, const TotpParams& params = {});

}  // namespace sb::identity
