#include "identity/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdio>

#include "core/crypto.h"

namespace sb::identity {

namespace {

constexpr char kBase32Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

const EVP_MD* digest_of(OtpAlgorithm alg) {
  switch (alg) {
    case OtpAlgorithm::kSha256: return EVP_sha256();
    case OtpAlgorithm::kSha512: return EVP_sha512();
    case OtpAlgorithm::kSha1: break;
  }
  return EVP_sha1();
}

int base32_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::string percent_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Callers have validated digits and secret.
std::string hotp_unchecked(std::string_view secret, uint64_t counter, int digits,
                           OtpAlgorithm alg) {
  std::array<unsigned char, 8> msg;
  for (int i = 7; i >= 0; --i) {
    msg[static_cast<size_t>(i)] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(digest_of(alg), secret.data(), static_cast<int>(secret.size()), msg.data(), msg.size(), mac,
       &mac_len);
  // RFC 4226 §5.3 dynamic truncation: low nibble of the last byte picks the offset.
  unsigned offset = mac[mac_len - 1] & 0x0f;
  uint32_t bin = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                 (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                 (static_cast<uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*u", digits, bin % mod);
  return buf;
}

}  // namespace

std::string_view otp_algorithm_name(OtpAlgorithm alg) {
  switch (alg) {
    case OtpAlgorithm::kSha256: return "SHA256";
    case OtpAlgorithm::kSha512: return "SHA512";
    case OtpAlgorithm::kSha1: break;
  }
  return "SHA1";
}

std::optional<OtpAlgorithm> parse_otp_algorithm(std::string_view name) {
  std::string up(name);
  for (char& c : up)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (up == "SHA1") return OtpAlgorithm::kSha1;
  if (up == "SHA256") return OtpAlgorithm::kSha256;
  if (up == "SHA512") return OtpAlgorithm::kSha512;
  return std::nullopt;
}

std::string base32_encode(std::string_view raw, bool pad) {
  std::string out;
  out.reserve((raw.size() + 4) / 5 * 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : raw) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32Alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32Alphabet[(buffer << (5 - bits)) & 31]);
  if (pad)
    while (out.size() % 8 != 0) out.push_back('=');
  return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '=') --end;
  if (end != text.size() && text.size() % 8 != 0) return std::nullopt;
  // A final quantum of 1, 3 or 6 characters cannot come from whole bytes.
  size_t rem = end % 8;
  if (rem == 1 || rem == 3 || rem == 6) return std::nullopt;
  // Padding may only complete the last quantum, never add a whole empty one.
  if (text.size() - end >= 8) return std::nullopt;
  std::string out;
  out.reserve(end * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < end; ++i) {
    int v = base32_value(text[i]);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<char>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical trailing bits
  return out;
}

std::string generate_totp_secret(size_t bytes) { return crypto::random_bytes(bytes); }

Result<std::string> hotp(std::string_view secret, uint64_t counter, int digits, OtpAlgorithm alg) {
  if (digits < 6 || digits > 8) return Status::invalid("/digits", "must be between 6 and 8");
  if (secret.empty()) return Status::invalid("/secret", "must not be empty");
  return hotp_unchecked(secret, counter, digits, alg);
}

Status validate(const TotpParams& p) {
  std::vector<FieldError> errors;
  if (p.digits < 6 || p.digits > 8) errors.push_back({"/digits", "must be between 6 and 8"});
  if (p.period_s < 1 || p.period_s > 300)
    errors.push_back({"/period", "must be between 1 and 300 seconds"});
  if (p.window < 0 || p.window > 10) errors.push_back({"/window", "must be between 0 and 10 steps"});
  if (p.t0_s < 0) errors.push_back({"/t0", "must not be negative"});
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return Status();
}

int64_t totp_step(int64_t unix_ms, const TotpParams& p) {
  int64_t since = unix_ms - p.t0_s * 1000;
  int64_t period_ms = int64_t{p.period_s} * 1000;
  // Floor division, so a time just before T0 is step -1, not 0.
  int64_t q = since / period_ms;
  if (since % period_ms != 0 && since < 0) --q;
  return q;
}

Status check_not_reused(int64_t step, std::optional<int64_t> last_used_step) {
  if (last_used_step && step <= *last_used_step)
    return Status::unauthenticated("code already used");
  return Status();
}

Result<Totp> Totp::create(const Clock& clock, TotpParams params) {
  SB_TRY(validate(params));
  return Totp(clock, params);
}

int64_t Totp::current_step() const { return totp_step(clock_->now_ms(), params_); }

std::string Totp::code_at_step(std::string_view secret, int64_t step) const {
  if (step < 0 || secret.empty()) return {};
  return hotp_unchecked(secret, static_cast<uint64_t>(step), params_.digits, params_.algorithm);
}

std::string Totp::current_code(std::string_view secret) const {
  return code_at_step(secret, current_step());
}

Result<int64_t> Totp::verify(std::string_view secret, std::string_view code,
                             std::optional<int64_t> last_used_step) const {
  if (code.size() != static_cast<size_t>(params_.digits) || !all_digits(code))
    return Status::invalid("/code", "must be " + std::to_string(params_.digits) + " digits");
  if (secret.empty()) return Status::internal("TOTP secret is empty");
  int64_t now = current_step();
  std::optional<int64_t> matched;
  bool reused = false;
  // Every candidate is computed and compared, so the time taken does not
  // reveal which step (if any) matched.
  for (int64_t step = now - params_.window; step <= now + params_.window; ++step) {
    if (step < 0) continue;
    bool eq = crypto::constant_time_equal(code_at_step(secret, step), code);
    if (!eq) continue;
    if (check_not_reused(step, last_used_step)) matched = step;  // latest fresh match wins
    else reused = true;
  }
  if (matched) return *matched;
  if (reused) return Status::unauthenticated("code already used");
  return Status::unauthenticated("invalid code");
}

std::string totp_provisioning_uri(std::string_view issuer, std::string_view account,
                                  std::string_view secret, const TotpParams& params) {
  std::string uri = "otpauth://totp/";
  if (!issuer.empty()) uri += percent_encode(issuer) + ":";
  uri += percent_encode(account);
  uri += "?secret=" + base32_encode(secret, /*pad=*/false);
  if (!issuer.empty()) uri += "&issuer=" + percent_encode(issuer);
  uri += "&algorithm=";
  uri += otp_algorithm_name(params.algorithm);
  uri += "&digits=" + std::to_string(params.digits);
  uri += "&period=" + std::to_string(params.period_s);
  return uri;
}

}  // namespace sb::identity
