#include "providers/push/jwt.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <cctype>

#include "core/crypto.h"

namespace sb::providers::jwt {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Never prompt for a passphrase: service-account keys are not encrypted.
int no_password(char*, int, int, void*) { return 0; }

std::string signing_input(boost::json::object& header, const char* alg, const boost::json::object& claims) {
  header["alg"] = alg;
  return crypto::base64url_encode(boost::json::serialize(header)) + "." +
         crypto::base64url_encode(boost::json::serialize(claims));
}

}  // namespace

struct RsaKey::Pkey {
  PkeyPtr key;
};

Result<RsaKey> RsaKey::parse(std::string_view pem) {
  while (!pem.empty() && std::isspace(static_cast<unsigned char>(pem.front()))) pem.remove_prefix(1);
  PkeyPtr key;
  if (pem.rfind("-----BEGIN", 0) == 0) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                 &BIO_free);
    if (bio) key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr));
  }
  // OpenSSL's reasons stay on this thread's queue otherwise.
  ERR_clear_error();
  if (!key || !EVP_PKEY_is_a(key.get(), "RSA") || EVP_PKEY_get_bits(key.get()) < 2048)
    return Status::invalid("private_key", "must be a PEM RSA private key of at least 2048 bits");
  return RsaKey(std::make_shared<const Pkey>(Pkey{std::move(key)}));
}

Result<std::string> RsaKey::sign(std::string_view input) const {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  size_t len = 0;
  if (!md || EVP_DigestSignInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, key_->key.get(), nullptr) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &len, in, input.size()) != 1) {
    ERR_clear_error();
    return Status::internal("RS256 signing failed");
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()) != 1) {
    ERR_clear_error();
    return Status::internal("RS256 signing failed");
  }
  sig.resize(len);
  return sig;
}

Result<std::string> sign_rs256(const RsaKey& key, boost::json::object header, const boost::json::object& claims) {
  std::string input = signing_input(header, "RS256", claims);
  SB_ASSIGN(std::string sig, key.sign(input));
  return input + "." + crypto::base64url_encode(sig);
}

Result<std::string> sign_es256(const webpush::VapidKey& key, boost::json::object header,
                               const boost::json::object& claims) {
  std::string input = signing_input(header, "ES256", claims);
  SB_ASSIGN(std::string sig, key.sign_es256(input));
  return input + "." + crypto::base64url_encode(sig);
}

}  // namespace sb::providers::jwt
