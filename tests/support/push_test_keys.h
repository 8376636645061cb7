// Keys made fresh by each test (OpenSSL), never committed, and JWT checks
// done the way Google's token endpoint and APNs do them: the signature under
// the *public* key (exported and re-read as a SubjectPublicKeyInfo PEM), the
// header and the claims decoded.
#pragma once

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "web_push_receiver.h"

namespace sb::test::push_keys {

struct Pem {
  std::string private_pem;  // PKCS#8 "BEGIN PRIVATE KEY", like a service account's or a .p8 file
  std::string public_pem;   // "BEGIN PUBLIC KEY"
};

inline std::string bio_text(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, static_cast<size_t>(n));
}

// "RSA" (2048 bits) or "EC" (P-256).
inline Pem generate(const char* type) {
  EVP_PKEY* k = std::string_view(type) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                                 : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()), &BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> pub(BIO_new(BIO_s_mem()), &BIO_free);
  PEM_write_bio_PrivateKey(priv.get(), k, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub.get(), k);
  EVP_PKEY_free(k);
  return {bio_text(priv.get()), bio_text(pub.get())};
}

struct Jwt {
  boost::json::object header;
  boost::json::object claims;
  bool signature_ok = false;
};

// Splits and decodes `jwt`, and checks its RS256 or ES256 signature (by the
// header's alg) under `public_pem`.
inline std::optional<Jwt> decode_and_verify(std::string_view jwt, const std::string& public_pem) {
  namespace rx = webpush_receiver;
  size_t d1 = jwt.find('.'), d2 = jwt.rfind('.');
  if (d1 == std::string_view::npos || d1 == d2) return std::nullopt;
  auto h = rx::b64url(jwt.substr(0, d1));
  auto c = rx::b64url(jwt.substr(d1 + 1, d2 - d1 - 1));
  auto sig = rx::b64url(jwt.substr(d2 + 1));
  if (!h || !c || !sig) return std::nullopt;
  Jwt out;
  out.header = boost::json::parse(*h).as_object();
  out.claims = boost::json::parse(*c).as_object();
  std::string alg(out.header.at("alg").as_string());
  if (alg == "ES256") {  // JOSE r||s -> DER, which EVP_DigestVerify wants
    if (sig->size() != 64) return out;
    ECDSA_SIG* es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig->data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(sig->data()) + 32, 32, nullptr));
    unsigned char* der = nullptr;
    int len = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    sig = std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
  } else if (alg != "RS256") {
    return out;
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> b(BIO_new_mem_buf(public_pem.data(), static_cast<int>(public_pem.size())),
                                              &BIO_free);
  EVP_PKEY* key = PEM_read_bio_PUBKEY(b.get(), nullptr, nullptr, nullptr);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::string_view input = jwt.substr(0, d2);
  out.signature_ok = key && EVP_DigestVerifyInit(md, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                     EVP_DigestVerify(md, reinterpret_cast<const unsigned char*>(sig->data()), sig->size(),
                                      reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(key);
  return out;
}

// A Firebase service-account JSON around `private_pem` (the shape of the file
// the Firebase console hands out, with test values).
inline std::string service_account(const std::string& private_pem, const std::string& token_uri) {
  return boost::json::serialize(boost::json::object{
      {"type", "service_account"},
      {"project_id", "demo-project"},
      {"private_key_id", "3f9a0c1d2e"},
      {"private_key", private_pem},
      {"client_email", "sender@demo-project.iam.gserviceaccount.com"},
      {"client_id", "1234567890"},
      {"token_uri", token_uri}});
}

}  // namespace sb::test::push_keys
