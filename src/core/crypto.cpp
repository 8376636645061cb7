#include "core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <stdexcept>

namespace sb::crypto {

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return out;
}

std::string random_token(size_t bytes) { return base64url_encode(random_bytes(bytes)); }

std::string sha256(std::string_view data) {
  // OpenSSL 3's one-shot SHA256() fetches the algorithm on every call, which
  // costs several times the hashing of a short input (an admin key on every
  // request). One fetched digest per process and one context per thread.
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  struct Ctx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Ctx t;
  std::string out(SHA256_DIGEST_LENGTH, '\0');
  unsigned int len = 0;
  if (!md || !t.ctx || EVP_DigestInit_ex2(t.ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(t.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(t.ctx, reinterpret_cast<unsigned char*>(out.data()), &len) != 1)
    throw std::runtime_error("SHA-256 failed");
  return out;
}

std::string sha256_hex(std::string_view data) { return hex_encode(sha256(data)); }

struct HmacSha256::Impl {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;
};

HmacSha256::HmacSha256(std::string_view key) : impl_(std::make_unique<Impl>()) {
  impl_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  impl_->keyed = EVP_MAC_CTX_new(impl_->mac);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string("digest", const_cast<char*>("SHA256"), 0),
      OSSL_PARAM_construct_end()};
  if (!impl_->keyed ||
      EVP_MAC_init(impl_->keyed, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1)
    throw std::runtime_error("HMAC init failed");
}

HmacSha256::~HmacSha256() {
  EVP_MAC_CTX_free(impl_->keyed);
  EVP_MAC_free(impl_->mac);
}

std::string HmacSha256::sign(std::string_view data) const {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(impl_->keyed);
  std::string out(32, '\0');
  size_t len = 0;
  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  EVP_MAC_final(ctx, reinterpret_cast<unsigned char*>(out.data()), &len, out.size());
  EVP_MAC_CTX_free(ctx);
  out.resize(len);
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  return HmacSha256(key).sign(data);
}

std::string base64_encode(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(n);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes.
  size_t pad = 0;
  if (!text.empty() && text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string base64url_encode(std::string_view raw) {
  std::string s = base64_encode(raw);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    else if (c == '/') c = '_';
  }
  return s;
}

std::string hex_encode(std::string_view raw) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(raw.size() * 2, '\0');
  char* p = out.data();
  for (unsigned char c : raw) {
    *p++ = kHex[c >> 4];
    *p++ = kHex[c & 15];
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace sb::crypto
