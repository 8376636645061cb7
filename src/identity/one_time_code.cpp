#include "identity/one_time_code.h"

#include <cassert>

#include "core/crypto.h"

namespace sb::identity {

namespace {

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// Uniform symbols from `alphabet`, drawing CSPRNG bytes in batches.
std::string random_string(std::string_view alphabet, size_t length) {
  assert(!alphabet.empty() && alphabet.size() <= 256);
  const unsigned n = static_cast<unsigned>(alphabet.size());
  // Bytes at or above `limit` would over-represent the first 256 % n symbols.
  const unsigned limit = 256 - 256 % n;
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    std::string pool = crypto::random_bytes(length - out.size() + 8);
    for (unsigned char b : pool) {
      if (b >= limit) continue;
      out.push_back(alphabet[b % n]);
      if (out.size() == length) break;
    }
  }
  return out;
}

constexpr std::string_view kDigits = "0123456789";
constexpr size_t kRecoveryCodeLength = 8;

}  // namespace

std::string generate_numeric_code(int length) {
  assert(length >= 1 && length <= 12);
  return random_string(kDigits, static_cast<size_t>(length));
}

// ---- CodeHasher --------------------------------------------------------------

Result<CodeHasher> CodeHasher::create(std::string pepper) {
  if (pepper.size() < kMinPepperBytes)
    return Status::invalid("/pepper", "must be at least " + std::to_string(kMinPepperBytes) +
                                          " bytes of secret material");
  return CodeHasher(std::move(pepper));
}

std::string CodeHasher::hash(std::string_view context, std::string_view code) const {
  // The 0x00 separator keeps ("ab", "c") and ("a", "bc") distinct.
  std::string msg;
  msg.reserve(context.size() + 1 + code.size());
  msg.append(context);
  msg.push_back('\0');
  msg.append(code);
  return crypto::hex_encode(crypto::hmac_sha256(pepper_, msg));
}

bool CodeHasher::verify(std::string_view context, std::string_view code,
                        std::string_view stored_hash) const {
  return crypto::constant_time_equal(hash(context, code), stored_hash);
}

// ---- OTP attempt policy --------------------------------------------------------

Status validate(const OtpPolicy& p) {
  std::vector<FieldError> errors;
  if (p.code_length < 4 || p.code_length > 10)
    errors.push_back({"/code_length", "must be between 4 and 10"});
  if (p.max_attempts < 1 || p.max_attempts > 100)
    errors.push_back({"/max_attempts", "must be between 1 and 100"});
  if (p.ttl_ms < 1000) errors.push_back({"/ttl", "must be at least 1 second"});
  if (p.resend_cooldown_ms < 0) errors.push_back({"/resend_cooldown", "must not be negative"});
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return Status();
}

Status to_status(OtpOutcome outcome) {
  switch (outcome) {
    case OtpOutcome::kAccepted: return Status();
    case OtpOutcome::kMalformed: return Status::invalid("/code", "must be a numeric code");
    case OtpOutcome::kAttemptsExhausted:
      return Status::exhausted("too many attempts; request a new code");
    case OtpOutcome::kExpired: return Status::unauthenticated("code expired");
    case OtpOutcome::kAlreadyUsed: return Status::unauthenticated("code already used");
    case OtpOutcome::kWrongCode: break;
  }
  return Status::unauthenticated("invalid code");
}

Result<OtpAttemptPolicy> OtpAttemptPolicy::create(const Clock& clock, const CodeHasher& hasher,
                                                  OtpPolicy policy) {
  SB_TRY(validate(policy));
  return OtpAttemptPolicy(clock, hasher, policy);
}

int64_t OtpAttemptPolicy::resend_wait_ms(const std::optional<OtpState>& previous) const {
  if (!previous || previous->consumed) return 0;
  int64_t ready = previous->issued_ms + policy_.resend_cooldown_ms;
  int64_t now = clock_->now_ms();
  return now >= ready ? 0 : ready - now;
}

Result<IssuedOtp> OtpAttemptPolicy::issue(std::string_view context,
                                          const std::optional<OtpState>& previous) const {
  if (int64_t wait = resend_wait_ms(previous); wait > 0) {
    int64_t secs = (wait + 999) / 1000;
    return Status::exhausted("a code was sent recently; retry in " + std::to_string(secs) + " s", wait);
  }
  IssuedOtp out;
  out.code = generate_numeric_code(policy_.code_length);
  out.state.code_hash = hasher_->hash(context, out.code);
  out.state.issued_ms = clock_->now_ms();
  out.state.expires_ms = out.state.issued_ms + policy_.ttl_ms;
  return out;
}

OtpOutcome OtpAttemptPolicy::verify(std::string_view context, std::string_view code,
                                    OtpState& state) const {
  if (code.size() < 4 || code.size() > 12 || !all_digits(code)) return OtpOutcome::kMalformed;
  if (state.consumed) return OtpOutcome::kAlreadyUsed;
  // Checked before comparing, so once the budget is spent even the right
  // code fails and guessing stops being useful.
  if (state.attempts >= policy_.max_attempts) return OtpOutcome::kAttemptsExhausted;
  if (clock_->now_ms() >= state.expires_ms) return OtpOutcome::kExpired;
  if (hasher_->verify(context, code, state.code_hash)) {
    state.consumed = true;
    return OtpOutcome::kAccepted;
  }
  ++state.attempts;
  return OtpOutcome::kWrongCode;
}

// ---- Recovery codes ------------------------------------------------------------

RecoveryCodeSet generate_recovery_codes(const CodeHasher& hasher, std::string_view context,
                                        int count) {
  RecoveryCodeSet set;
  while (static_cast<int>(set.codes.size()) < count) {
    std::string raw = random_string(kRecoveryAlphabet, kRecoveryCodeLength);
    std::string hash = hasher.hash(context, raw);
    // Duplicates are ~1e-11 likely, but one would make a code silently double-use.
    bool dup = false;
    for (const auto& s : set.stored) dup = dup || s.hash == hash;
    if (dup) continue;
    set.codes.push_back(raw.substr(0, 4) + "-" + raw.substr(4));
    set.stored.push_back({std::move(hash), std::nullopt});
  }
  return set;
}

std::string normalize_recovery_code(std::string_view input) {
  std::string out;
  out.reserve(input.size());
  for (char c : input) {
    if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out.push_back(c);
  }
  return out;
}

Result<size_t> redeem_recovery_code(const CodeHasher& hasher, std::string_view context,
                                    std::string_view input, std::vector<StoredRecoveryCode>& codes,
                                    int64_t now_ms) {
  std::string norm = normalize_recovery_code(input);
  if (norm.size() != kRecoveryCodeLength) return Status::unauthenticated("invalid recovery code");
  std::string candidate = hasher.hash(context, norm);
  std::optional<size_t> match;
  bool used = false;
  // No early exit: the time taken does not depend on which entry matched.
  for (size_t i = 0; i < codes.size(); ++i) {
    bool eq = crypto::constant_time_equal(candidate, codes[i].hash);
    if (eq && codes[i].used_at_ms) used = true;
    else if (eq && !match) match = i;
  }
  if (match) {
    codes[*match].used_at_ms = now_ms;
    return *match;
  }
  if (used) return Status::unauthenticated("recovery code already used");
  return Status::unauthenticated("invalid recovery code");
}

int remaining_recovery_codes(const std::vector<StoredRecoveryCode>& codes) {
  int n = 0;
  for (const auto& c : codes) n += c.used_at_ms ? 0 : 1;
  return n;
}

}  // namespace sb::identity
