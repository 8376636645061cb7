// What the providers do to their status callbacks, for tests: a P-256 key
// that signs like SendGrid's Event Webhook (ECDSA/SHA-256, base64 DER), and
// Mailgun's and Twilio's HMACs through the code under test's own signers.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "core/crypto.h"

namespace sb::test {

class EcKey {
 public:
  EcKey() : key_(EVP_EC_gen("P-256"), EVP_PKEY_free) {
    if (!key_) throw std::runtime_error("EVP_EC_gen failed");
  }
  // SubjectPublicKeyInfo DER, base64: what SendGrid shows as the verification key.
  std::string public_b64() const {
    unsigned char* der = nullptr;
    int n = i2d_PUBKEY(key_.get(), &der);
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
    OPENSSL_free(der);
    return crypto::base64_encode(out);
  }
  // base64 DER ECDSA signature over SHA-256(data).
  std::string sign(const std::string& data) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    size_t len = 0;
    if (EVP_DigestSignInit_ex(ctx.get(), nullptr, "SHA256", nullptr, nullptr, key_.get(), nullptr) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
      throw std::runtime_error("sign failed");
    std::string sig(len, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1)
      throw std::runtime_error("sign failed");
    sig.resize(len);
    return crypto::base64_encode(sig);
  }

 private:
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_;
};

}  // namespace sb::test
