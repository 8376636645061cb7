#include "identity/passwords.h"

#include <sodium.h>

#include <stdexcept>

namespace sb::identity {

namespace {

// sodium_init() is idempotent, but a function-local static makes the
// once-only intent explicit and is thread-safe by the language.
void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("sodium_init failed");  // a broken install, not input
}

// Sane upper bounds so a config typo cannot make every login take minutes.
constexpr uint64_t kMaxOpslimit = 32;
constexpr size_t kMaxMemlimit = size_t{4} << 30;

size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80 ? 1 : 0;  // count non-continuation bytes
  return n;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// "aaaaaaaaaa", "ababababab", "123123123123": a unit of 1-3 characters repeated.
bool is_short_repetition(std::string_view s) {
  for (size_t unit = 1; unit <= 3 && unit * 2 <= s.size(); ++unit) {
    bool repeats = true;
    for (size_t i = unit; i < s.size() && repeats; ++i) repeats = s[i] == s[i - unit];
    if (repeats) return true;
  }
  return false;
}

// "abcdefghijk", "0123456789", "9876543210": every step +1 or every step -1.
bool is_straight_sequence(std::string_view s) {
  if (s.size() < 3) return false;
  int step = static_cast<unsigned char>(s[1]) - static_cast<unsigned char>(s[0]);
  if (step != 1 && step != -1) return false;
  for (size_t i = 2; i < s.size(); ++i)
    if (static_cast<unsigned char>(s[i]) - static_cast<unsigned char>(s[i - 1]) != step)
      return false;
  return true;
}

// A C string copy of a stored hash, or empty when it cannot be one (libsodium
// reads hash strings up to their terminator, within crypto_pwhash_STRBYTES).
std::string hash_cstr(std::string_view stored) {
  if (stored.empty() || stored.size() >= crypto_pwhash_STRBYTES) return {};
  if (stored.find('\0') != std::string_view::npos) return {};
  return std::string(stored);
}

}  // namespace

// ---- Hashing ---------------------------------------------------------------------

Status validate(const PasswordHashParams& p) {
  std::vector<FieldError> errors;
  if (p.opslimit < crypto_pwhash_argon2id_OPSLIMIT_MIN || p.opslimit > kMaxOpslimit)
    errors.push_back({"/opslimit", "must be between 1 and " + std::to_string(kMaxOpslimit)});
  if (p.memlimit < crypto_pwhash_argon2id_MEMLIMIT_MIN || p.memlimit > kMaxMemlimit)
    errors.push_back({"/memlimit", "must be between 8 KiB and 4 GiB"});
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return Status();
}

Result<PasswordHasher> PasswordHasher::create(PasswordHashParams params) {
  SB_TRY(validate(params));
  ensure_sodium();
  return PasswordHasher(params);
}

Result<std::string> PasswordHasher::hash(std::string_view password) const {
  if (password.size() > kPasswordHardMaxBytes)
    return Status::invalid("/password", "must be at most " +
                                            std::to_string(kPasswordHardMaxBytes) + " bytes");
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), params_.opslimit,
                            params_.memlimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Status::internal("Argon2id hashing failed (out of memory?)");
  return std::string(out);
}

bool PasswordHasher::verify(std::string_view password, std::string_view stored) const {
  if (password.size() > kPasswordHardMaxBytes) return false;
  std::string str = hash_cstr(stored);
  if (str.empty()) return false;
  return crypto_pwhash_str_verify(str.c_str(), password.data(), password.size()) == 0;
}

void PasswordHasher::verify_dummy(std::string_view password) const {
  if (password.size() > kPasswordHardMaxBytes) return;  // verify() would not hash either
  // verify_dummy() must cost what a real verify costs, so its hash uses the
  // same parameters; the password is random and never used again.
  std::call_once(dummy_->made, [&] {
    unsigned char pw[16];
    randombytes_buf(pw, sizeof pw);
    auto h = hash(std::string_view(reinterpret_cast<const char*>(pw), sizeof pw));
    dummy_->hash = h.ok() ? *h : std::string();
  });
  // The outcome is meaningless; only the work matters.
  if (dummy_->hash.empty()) return;
  [[maybe_unused]] int ignored =
      crypto_pwhash_str_verify(dummy_->hash.c_str(), password.data(), password.size());
}

bool PasswordHasher::needs_rehash(std::string_view stored) const {
  std::string str = hash_cstr(stored);
  if (str.empty()) return true;
  // The argon2id-specific check returns -1 for Argon2i strings, which the
  // generic crypto_pwhash_str_needs_rehash would accept as current.
  return crypto_pwhash_argon2id_str_needs_rehash(str.c_str(), params_.opslimit,
                                                 params_.memlimit) != 0;
}

// ---- Policy ----------------------------------------------------------------------

Status validate(const PasswordPolicy& p) {
  std::vector<FieldError> errors;
  if (p.max_bytes < 8 || p.max_bytes > kPasswordHardMaxBytes)
    errors.push_back({"/max_bytes", "must be between 8 and " +
                                        std::to_string(kPasswordHardMaxBytes)});
  // NIST SP 800-63B: at least 8 characters for user-chosen passwords.
  if (p.min_chars < 8 || p.min_chars > p.max_bytes)
    errors.push_back({"/min_chars", "must be at least 8 and at most max_bytes"});
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return Status();
}

Status check_password_policy(std::string_view password, const PasswordPolicy& policy,
                             std::string_view email) {
  if (password.size() > policy.max_bytes)
    return Status::invalid("/password",
                           "must be at most " + std::to_string(policy.max_bytes) + " bytes");
  if (utf8_chars(password) < policy.min_chars)
    return Status::invalid("/password",
                           "must be at least " + std::to_string(policy.min_chars) + " characters");
  std::string lower = ascii_lower(password);
  if (!email.empty()) {
    std::string mail = ascii_lower(email);
    std::string local = mail.substr(0, mail.find('@'));
    if (lower == mail || (!local.empty() && lower == local))
      return Status::invalid("/password", "must not be your email address");
  }
  if (!policy.reject_common) return Status();
  if (is_short_repetition(lower) || is_straight_sequence(lower))
    return Status::invalid("/password", "is too predictable (repeated or sequential characters)");
  if (is_common_password(lower))
    return Status::invalid("/password",
                           "is too common and appears in breached password lists; choose another");
  return Status();
}

}  // namespace sb::identity
