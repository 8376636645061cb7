#include "notify/callback_signatures.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>

#include "core/crypto.h"

namespace sb::notify::signatures {

namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// A P-256 public key from base64 DER SubjectPublicKeyInfo; null otherwise
// (another curve or key type would verify under rules SendGrid never uses).
Pkey p256_key(std::string_view b64) {
  auto der = crypto::base64_decode(b64);
  if (!der || der->empty()) return nullptr;
  const auto* p = reinterpret_cast<const unsigned char*>(der->data());
  Pkey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der->size())));
  if (!key || p != reinterpret_cast<const unsigned char*>(der->data()) + der->size()) return nullptr;
  if (!EVP_PKEY_is_a(key.get(), "EC")) return nullptr;
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_get_group_name(key.get(), group, sizeof group, &len) != 1) return nullptr;
  std::string_view g(group, len);
  if (g != "prime256v1" && g != "P-256" && g != "secp256r1") return nullptr;
  return key;
}

std::string hmac(const char* digest, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, key.data(), key.size(),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof out, &len))
    return {};
  return std::string(reinterpret_cast<const char*>(out), len);
}

}  // namespace

bool sendgrid_key_valid(std::string_view verification_key_b64) { return p256_key(verification_key_b64) != nullptr; }

bool sendgrid_valid(std::string_view verification_key_b64, std::string_view timestamp, std::string_view body,
                    std::string_view signature_b64) {
  if (timestamp.empty() || signature_b64.empty()) return false;
  Pkey key = p256_key(verification_key_b64);
  auto sig = crypto::base64_decode(signature_b64);
  if (!key || !sig || sig->empty()) return false;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!ctx || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key.get(), nullptr) != 1)
    return false;
  if (EVP_DigestVerifyUpdate(ctx.get(), timestamp.data(), timestamp.size()) != 1 ||
      EVP_DigestVerifyUpdate(ctx.get(), body.data(), body.size()) != 1)
    return false;
  return EVP_DigestVerifyFinal(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size()) == 1;
}

std::string mailgun_signature(std::string_view signing_key, std::string_view timestamp, std::string_view token) {
  std::string data(timestamp);
  data.append(token);
  return crypto::hex_encode(hmac("SHA256", signing_key, data));
}

bool mailgun_valid(std::string_view signing_key, std::string_view timestamp, std::string_view token,
                   std::string_view signature_hex) {
  if (signing_key.empty() || timestamp.empty() || token.empty()) return false;
  std::string given(signature_hex);
  std::transform(given.begin(), given.end(), given.begin(), [](unsigned char c) { return std::tolower(c); });
  return crypto::constant_time_equal(mailgun_signature(signing_key, timestamp, token), given);
}

std::string twilio_signature(std::string_view auth_token, std::string_view url, Params params) {
  // Twilio's own validators sort by name, then value for a repeated name.
  std::sort(params.begin(), params.end());
  std::string data(url);
  for (const auto& [k, v] : params) data.append(k).append(v);
  return crypto::base64_encode(hmac("SHA1", auth_token, data));
}

bool twilio_valid(std::string_view auth_token, std::string_view url, Params params, std::string_view signature_b64) {
  if (auth_token.empty() || signature_b64.empty()) return false;
  return crypto::constant_time_equal(twilio_signature(auth_token, url, std::move(params)), signature_b64);
}

bool fresh(std::string_view unix_seconds, int64_t now_ms, int64_t max_age_ms) {
  int64_t s = 0;
  auto [end, ec] = std::from_chars(unix_seconds.data(), unix_seconds.data() + unix_seconds.size(), s);
  if (ec != std::errc() || end != unix_seconds.data() + unix_seconds.size() || s < 0 || s > 100'000'000'000)
    return false;
  int64_t age = now_ms - s * 1000;
  return age <= max_age_ms && -age <= max_age_ms;
}

}  // namespace sb::notify::signatures
