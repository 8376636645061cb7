// The receiving end of Web Push, written for the tests apart from the code
// under test: a browser's RFC 8291 decryption (ECDH with the receiver's
// private key, the HMAC steps of RFC 8291 §3.4 and RFC 8188 §2.2 spelled out,
// AES-128-GCM opened record by record, any number of records and padding)
// and a push service's check of a VAPID ES256 JWT (RFC 8292 §2).
// OpenSSL 3 EVP; header-only so unit and integration tests share it.
#pragma once

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/crypto.h"

namespace sb::test::webpush_receiver {

// Base64url with or without padding.
inline std::optional<std::string> b64url(std::string_view s) {
  std::string t(s);
  while (!t.empty() && t.back() == '=') t.pop_back();
  for (char& c : t) {
    if (c == '-') c = '+';
    else if (c == '_') c = '/';
  }
  while (t.size() % 4) t += '=';
  return crypto::base64_decode(t);
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// An EC P-256 key from its raw public point and, optionally, private scalar.
inline Pkey p256_key(std::string_view pub, std::string_view priv = {}) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  BIGNUM* d = priv.empty() ? nullptr
                           : BN_bin2bn(reinterpret_cast<const unsigned char*>(priv.data()),
                                       static_cast<int>(priv.size()), nullptr);
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size());
  if (d) OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
      EVP_PKEY_fromdata(ctx, &key, d ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0)
    key = nullptr;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  BN_free(d);
  OSSL_PARAM_BLD_free(bld);
  return Pkey(key);
}

// RFC 8188 decryption of a whole aes128gcm body under `ikm`; also returns the keyid.
struct Opened {
  std::string keyid;
  std::string plaintext;
};
inline std::optional<Opened> open_aes128gcm(std::string_view ikm, std::string_view body) {
  if (body.size() < 21) return std::nullopt;
  std::string_view salt = body.substr(0, 16);
  uint32_t rs = 0;
  for (int i = 16; i < 20; ++i) rs = (rs << 8) | static_cast<unsigned char>(body[i]);
  size_t idlen = static_cast<unsigned char>(body[20]);
  if (rs < 18 || body.size() < 21 + idlen) return std::nullopt;
  Opened out{std::string(body.substr(21, idlen)), {}};
  std::string prk = crypto::hmac_sha256(salt, ikm);
  std::string cek = crypto::hmac_sha256(prk, std::string("Content-Encoding: aes128gcm\0\1", 29)).substr(0, 16);
  std::string nonce = crypto::hmac_sha256(prk, std::string("Content-Encoding: nonce\0\1", 25)).substr(0, 12);
  std::string_view records = body.substr(21 + idlen);
  for (uint64_t seq = 0; !records.empty(); ++seq) {
    std::string_view rec = records.substr(0, rs);
    records.remove_prefix(rec.size());
    if (rec.size() < 17) return std::nullopt;
    std::string iv = nonce;
    for (int i = 0; i < 8; ++i) iv[11 - i] = static_cast<char>(iv[11 - i] ^ ((seq >> (8 * i)) & 0xff));
    EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
    std::string plain(rec.size() - 16, '\0');
    std::string tag(rec.substr(rec.size() - 16));
    int n = 0, tail = 0;
    bool ok = EVP_DecryptInit_ex2(c, EVP_aes_128_gcm(), reinterpret_cast<const unsigned char*>(cek.data()),
                                  reinterpret_cast<const unsigned char*>(iv.data()), nullptr) == 1 &&
              EVP_DecryptUpdate(c, reinterpret_cast<unsigned char*>(plain.data()), &n,
                                reinterpret_cast<const unsigned char*>(rec.data()), static_cast<int>(plain.size())) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag.data()) == 1 &&
              EVP_DecryptFinal_ex(c, reinterpret_cast<unsigned char*>(plain.data()) + n, &tail) == 1;
    EVP_CIPHER_CTX_free(c);
    if (!ok) return std::nullopt;
    // Padding is zeros after the delimiter: 0x02 ends the last record, 0x01 the others.
    while (!plain.empty() && plain.back() == '\0') plain.pop_back();
    const char want = records.empty() ? '\x02' : '\x01';
    if (plain.empty() || plain.back() != want) return std::nullopt;
    plain.pop_back();
    out.plaintext += plain;
  }
  return out;
}

// RFC 8291 decryption by the user agent holding (ua_private, ua_public) and `auth`.
inline std::optional<std::string> decrypt(std::string_view ua_private, std::string_view ua_public,
                                          std::string_view auth, std::string_view body) {
  if (body.size() < 21 + 65 || static_cast<unsigned char>(body[20]) != 65) return std::nullopt;
  std::string as_public(body.substr(21, 65));
  Pkey mine = p256_key(ua_public, ua_private);
  Pkey peer = p256_key(as_public);
  if (!mine || !peer) return std::nullopt;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, mine.get(), nullptr);
  std::string secret(32, '\0');
  size_t len = secret.size();
  bool ok = EVP_PKEY_derive_init(ctx) > 0 && EVP_PKEY_derive_set_peer(ctx, peer.get()) > 0 &&
            EVP_PKEY_derive(ctx, reinterpret_cast<unsigned char*>(secret.data()), &len) > 0 && len == 32;
  EVP_PKEY_CTX_free(ctx);
  if (!ok) return std::nullopt;
  std::string prk_key = crypto::hmac_sha256(auth, secret);
  std::string key_info = std::string("WebPush: info", 13) + '\0' + std::string(ua_public) + as_public;
  std::string ikm = crypto::hmac_sha256(prk_key, key_info + '\1');
  auto opened = open_aes128gcm(ikm, body);
  if (!opened || opened->keyid != as_public) return std::nullopt;
  return opened->plaintext;
}

// Whether `jwt` is a compact JWS whose ES256 signature (r||s) verifies under
// the raw P-256 `public_key`.
inline bool verify_es256(std::string_view jwt, std::string_view public_key) {
  size_t dot2 = jwt.rfind('.');
  if (dot2 == std::string_view::npos || jwt.find('.') == dot2) return false;
  auto sig = b64url(jwt.substr(dot2 + 1));
  Pkey key = p256_key(public_key);
  if (!sig || sig->size() != 64 || !key) return false;
  ECDSA_SIG* es = ECDSA_SIG_new();
  ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(sig->data()), 32, nullptr),
                 BN_bin2bn(reinterpret_cast<const unsigned char*>(sig->data()) + 32, 32, nullptr));
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(es, &der);
  ECDSA_SIG_free(es);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  std::string_view input = jwt.substr(0, dot2);
  bool ok = der_len > 0 && EVP_DigestVerifyInit_ex(md, nullptr, "SHA256", nullptr, nullptr, key.get(), nullptr) == 1 &&
            EVP_DigestVerify(md, der, static_cast<size_t>(der_len), reinterpret_cast<const unsigned char*>(input.data()),
                             input.size()) == 1;
  EVP_MD_CTX_free(md);
  OPENSSL_free(der);
  return ok;
}

}  // namespace sb::test::webpush_receiver
