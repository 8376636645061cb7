#include "core/secret_box.h"

#include <sodium.h>

#include "core/crypto.h"

namespace sb::crypto {

namespace {
constexpr std::string_view kSealPrefix = "v1.";
constexpr size_t kNonce = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTag = crypto_aead_xchacha20poly1305_ietf_ABYTES;

const unsigned char* u8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
}  // namespace

Result<SecretBox> SecretBox::create(std::string key) {
  static_assert(kKeyBytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
  if (key.size() != kKeyBytes) return Status::invalid("/master_key", "must be 32 bytes");
  if (sodium_init() < 0) return Status::internal("libsodium failed to initialise");
  return SecretBox(std::move(key));
}

std::string SecretBox::seal(std::string_view plaintext, std::string_view context) const {
  std::string out(kNonce + plaintext.size() + kTag, '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(p, kNonce);
  unsigned long long clen = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(p + kNonce, &clen, u8(plaintext), plaintext.size(), u8(context),
                                             context.size(), nullptr, p, u8(key_));
  out.resize(kNonce + clen);
  return std::string(kSealPrefix) + base64_encode(out);
}

Result<std::string> SecretBox::open(std::string_view sealed, std::string_view context) const {
  if (sealed.substr(0, kSealPrefix.size()) != kSealPrefix) return Status::internal("sealed value: unknown format");
  auto raw = base64_decode(sealed.substr(kSealPrefix.size()));
  if (!raw || raw->size() < kNonce + kTag) return Status::internal("sealed value: malformed");
  std::string out(raw->size() - kNonce - kTag, '\0');
  unsigned long long mlen = 0;
  const auto* p = u8(*raw);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), &mlen, nullptr,
                                                 p + kNonce, raw->size() - kNonce, u8(context), context.size(), p,
                                                 u8(key_)) != 0)
    return Status::internal("sealed value does not open (wrong master key or tampered row)");
  out.resize(mlen);
  return out;
}

}  // namespace sb::crypto
