#include "providers/push/web_push_crypto.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "core/crypto.h"

namespace sb::providers::webpush {
namespace {

template <auto Fn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { Fn(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_clear_free>>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>;

const unsigned char* u8(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* u8(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// OpenSSL keeps its reasons on a per-thread queue; a failure we report as a
// Status must not leave them behind for the next, unrelated caller.
Status openssl_error(const char* what) {
  ERR_clear_error();
  return Status::internal(std::string("webpush crypto: ") + what + " failed");
}

// An EC P-256 key from OSSL_PARAMs: the only way OpenSSL 3 builds one from raw bytes.
PkeyPtr pkey_from(std::string_view pub, const BIGNUM* priv) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size()) ||
      (priv && !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv)))
    return nullptr;
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld.get()));
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* out = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &out, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
    return nullptr;
  return PkeyPtr(out);
}

// A raw public point, checked on the curve; compressed points are refused
// because RFC 8291 sends and expects the uncompressed form.
PkeyPtr public_key_from(std::string_view raw) {
  if (raw.size() != kPublicKeyBytes || raw[0] != 0x04) return nullptr;
  PkeyPtr key = pkey_from(raw, nullptr);
  if (!key) return nullptr;
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return nullptr;
  return key;
}

std::string public_bytes(EVP_PKEY* key) {
  std::string out(kPublicKeyBytes, '\0');
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, u8(out), out.size(), &len) != 1 ||
      len != kPublicKeyBytes)
    return {};
  return out;
}

// A key pair from a raw private scalar in [1, n-1]; the public point is the
// scalar times the generator (OpenSSL's EC arithmetic).
PkeyPtr keypair_from_scalar(std::string_view scalar) {
  if (scalar.size() != kPrivateKeyBytes) return nullptr;
  BnPtr d(BN_bin2bn(u8(scalar), static_cast<int>(scalar.size()), nullptr));
  std::unique_ptr<EC_GROUP, Deleter<EC_GROUP_free>> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  if (!d || !group || BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0) return nullptr;
  std::unique_ptr<EC_POINT, Deleter<EC_POINT_free>> point(EC_POINT_new(group.get()));
  std::string pub(kPublicKeyBytes, '\0');
  if (!point || !EC_POINT_mul(group.get(), point.get(), d.get(), nullptr, nullptr, nullptr) ||
      EC_POINT_point2oct(group.get(), point.get(), POINT_CONVERSION_UNCOMPRESSED, u8(pub), pub.size(), nullptr) !=
          kPublicKeyBytes)
    return nullptr;
  return pkey_from(pub, d.get());
}

Result<std::string> derive(EVP_PKEY* mine, EVP_PKEY* peer) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, mine, nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 || EVP_PKEY_derive_set_peer(ctx.get(), peer) <= 0 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) <= 0)
    return openssl_error("ECDH");
  std::string secret(len, '\0');
  if (EVP_PKEY_derive(ctx.get(), u8(secret), &len) <= 0) return openssl_error("ECDH");
  secret.resize(len);
  return secret;
}

Result<std::string> hkdf(std::string_view salt, std::string_view ikm, std::string_view info, size_t len) {
  std::unique_ptr<EVP_KDF, Deleter<EVP_KDF_free>> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  std::unique_ptr<EVP_KDF_CTX, Deleter<EVP_KDF_CTX_free>> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!ctx) return openssl_error("HKDF");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<char*>(ikm.data()), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
      OSSL_PARAM_construct_end()};
  std::string out(len, '\0');
  if (EVP_KDF_derive(ctx.get(), u8(out), out.size(), params) <= 0) return openssl_error("HKDF");
  return out;
}

Result<std::string> aes128gcm_seal(std::string_view key, std::string_view nonce, std::string_view plaintext) {
  std::unique_ptr<EVP_CIPHER_CTX, Deleter<EVP_CIPHER_CTX_free>> ctx(EVP_CIPHER_CTX_new());
  std::string out(plaintext.size() + 16, '\0');
  int n = 0, tail = 0;
  if (!ctx || EVP_EncryptInit_ex2(ctx.get(), EVP_aes_128_gcm(), u8(key), u8(nonce), nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), u8(out), &n, u8(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), u8(out) + n, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, 16, u8(out) + n + tail) != 1)
    return openssl_error("AES-128-GCM");
  out.resize(static_cast<size_t>(n + tail) + 16);
  return out;
}

std::string bn_bytes(const BIGNUM* bn, size_t len) {
  std::string out(len, '\0');
  if (BN_bn2binpad(bn, u8(out), static_cast<int>(len)) != static_cast<int>(len)) return {};
  return out;
}

// PEM_read_bio_PrivateKey's default callback would prompt on the terminal
// for an encrypted key; a server refuses it instead.
int no_password(char*, int, int, void*) { return 0; }

}  // namespace

struct VapidKey::Pkey {
  PkeyPtr key;
};

bool is_p256_point(std::string_view raw) { return public_key_from(raw) != nullptr; }

std::optional<std::string> base64url_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string std64;
  std64.reserve(text.size() + 3);
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c))) std64 += c;
    else if (c == '-') std64 += '+';
    else if (c == '_') std64 += '/';
    else return std::nullopt;
  }
  while (std64.size() % 4) std64 += '=';
  return crypto::base64_decode(std64);
}

Result<ContentKeys> derive_content_keys(std::string_view ikm, std::string_view salt) {
  using namespace std::string_view_literals;
  SB_ASSIGN(std::string cek, hkdf(salt, ikm, "Content-Encoding: aes128gcm\0"sv, 16));
  SB_ASSIGN(std::string nonce, hkdf(salt, ikm, "Content-Encoding: nonce\0"sv, 12));
  return ContentKeys{std::move(cek), std::move(nonce)};
}

Result<std::string> aes128gcm_encrypt(std::string_view ikm, std::string_view salt, std::string_view keyid,
                                      std::string_view plaintext, uint32_t rs) {
  if (salt.size() != kSaltBytes) return Status::invalid("salt", "must be 16 bytes");
  if (keyid.size() > 255) return Status::invalid("keyid", "must be at most 255 bytes");
  // One record holds the plaintext, the 0x02 delimiter and the 16-byte tag.
  if (rs < 18 || plaintext.size() + 17 > rs)
    return Status::invalid("/body", "is too long for one " + std::to_string(rs) + "-octet record");
  SB_ASSIGN(ContentKeys keys, derive_content_keys(ikm, salt));
  std::string record(plaintext);
  record += '\x02';  // last (and only) record, no padding
  SB_ASSIGN(std::string sealed, aes128gcm_seal(keys.cek, keys.nonce, record));
  std::string out(salt);
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((rs >> shift) & 0xff);
  out += static_cast<char>(keyid.size());
  out += keyid;
  out += sealed;
  OPENSSL_cleanse(record.data(), record.size());
  return out;
}

Result<std::string> ecdh(std::string_view private_key, std::string_view peer_public) {
  PkeyPtr mine = keypair_from_scalar(private_key);
  if (!mine) return Status::invalid("private_key", "is not a P-256 private key");
  PkeyPtr peer = public_key_from(peer_public);
  if (!peer) return Status::invalid("/to/keys/p256dh", "is not a P-256 public key");
  return derive(mine.get(), peer.get());
}

Result<std::string> webpush_ikm(std::string_view ecdh_secret, std::string_view auth_secret,
                                std::string_view ua_public, std::string_view as_public) {
  std::string info("WebPush: info");
  info += '\0';
  info += ua_public;
  info += as_public;
  return hkdf(auth_secret, ecdh_secret, info, 32);
}

Result<std::string> encrypt(std::string_view plaintext, std::string_view ua_public, std::string_view auth_secret,
                            const EncryptOptions& options) {
  if (auth_secret.size() != kAuthSecretBytes) return Status::invalid("/to/keys/auth", "must be 16 bytes");
  if (plaintext.size() > kMaxPlaintextBytes)
    return Status::invalid("/body", "the push payload must be at most " + std::to_string(kMaxPlaintextBytes) +
                                        " bytes (RFC 8291: one 4096-octet record)");
  PkeyPtr peer = public_key_from(ua_public);
  if (!peer) return Status::invalid("/to/keys/p256dh", "is not an uncompressed P-256 public key");
  PkeyPtr ephemeral = options.as_private.empty() ? PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"))
                                                 : keypair_from_scalar(options.as_private);
  if (!ephemeral) return openssl_error("ephemeral key");
  std::string as_public = public_bytes(ephemeral.get());
  if (as_public.empty()) return openssl_error("ephemeral public key");
  std::string salt = options.salt.empty() ? crypto::random_bytes(kSaltBytes) : options.salt;
  SB_ASSIGN(std::string secret, derive(ephemeral.get(), peer.get()));
  auto ikm = webpush_ikm(secret, auth_secret, ua_public, as_public);
  OPENSSL_cleanse(secret.data(), secret.size());
  if (!ikm.ok()) return ikm.status();
  auto body = aes128gcm_encrypt(*ikm, salt, as_public, plaintext, kRecordSize);
  OPENSSL_cleanse(ikm->data(), ikm->size());
  return body;
}

// ---- VAPID

Result<VapidKey> VapidKey::parse(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  PkeyPtr key;
  if (text.rfind("-----BEGIN", 0) == 0) {
    std::unique_ptr<BIO, Deleter<BIO_free>> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr) : nullptr);
    char group[32] = {0};
    size_t len = 0;
    if (key && (!EVP_PKEY_is_a(key.get(), "EC") ||
                EVP_PKEY_get_utf8_string_param(key.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) != 1 ||
                std::string_view(group, len) != "prime256v1"))
      key.reset();
  } else if (auto raw = base64url_decode(text)) {
    key = keypair_from_scalar(*raw);
    OPENSSL_cleanse(raw->data(), raw->size());
  }
  ERR_clear_error();
  if (!key) return Status::invalid("vapid_private_key", "must be a P-256 private key: 32 bytes base64url, or PEM");
  std::string pub = public_bytes(key.get());
  if (pub.empty()) return openssl_error("VAPID public key");
  return VapidKey(std::make_shared<const Pkey>(Pkey{std::move(key)}), std::move(pub));
}

VapidKey VapidKey::generate() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  std::string pub = key ? public_bytes(key.get()) : std::string();
  if (pub.empty()) std::abort();  // the CSPRNG or the EC provider is broken: nothing sane to return
  return VapidKey(std::make_shared<const Pkey>(Pkey{std::move(key)}), std::move(pub));
}

std::string VapidKey::private_key_base64url() const {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key_->key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw) != 1) return {};
  BnPtr d(raw);
  std::string bytes = bn_bytes(d.get(), kPrivateKeyBytes);
  std::string out = crypto::base64url_encode(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

Result<std::string> VapidKey::sign_es256(std::string_view input) const {
  std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>> md(EVP_MD_CTX_new());
  size_t len = 0;
  if (!md || EVP_DigestSignInit_ex(md.get(), nullptr, "SHA256", nullptr, nullptr, key_->key.get(), nullptr) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &len, u8(input), input.size()) != 1)
    return openssl_error("ES256");
  std::string der(len, '\0');
  if (EVP_DigestSign(md.get(), u8(der), &len, u8(input), input.size()) != 1) return openssl_error("ES256");
  // OpenSSL signs in DER; JWS (RFC 7518 §3.4) wants r and s, 32 bytes each.
  const unsigned char* p = u8(der);
  std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  if (!sig) return openssl_error("ES256 signature");
  std::string rs = bn_bytes(ECDSA_SIG_get0_r(sig.get()), 32) + bn_bytes(ECDSA_SIG_get0_s(sig.get()), 32);
  if (rs.size() != 64) return openssl_error("ES256 signature");
  return rs;
}

Result<std::string> VapidKey::sign_jwt(std::string_view audience, int64_t expires_s, std::string_view subject) const {
  boost::json::object claims{{"aud", audience}, {"exp", expires_s}};
  if (!subject.empty()) claims["sub"] = subject;
  std::string input = crypto::base64url_encode(R"({"typ":"JWT","alg":"ES256"})") + "." +
                      crypto::base64url_encode(boost::json::serialize(claims));
  SB_ASSIGN(std::string rs, sign_es256(input));
  return input + "." + crypto::base64url_encode(rs);
}

Result<std::string> VapidKey::authorization(std::string_view audience, int64_t expires_s,
                                            std::string_view subject) const {
  SB_ASSIGN(std::string jwt, sign_jwt(audience, expires_s, subject));
  return "vapid t=" + jwt + ", k=" + crypto::base64url_encode(public_);
}

std::optional<std::string> origin_of(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) return std::nullopt;
  std::string scheme(url.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http" && scheme != "https") return std::nullopt;
  std::string_view rest = url.substr(sep + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  // The port follows the last ':' outside an IPv6 literal's brackets.
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) != std::string_view::npos) colon = std::string_view::npos;
  std::string host(authority.substr(0, colon));
  std::string_view port = colon == std::string_view::npos ? std::string_view() : authority.substr(colon + 1);
  if (host.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  for (unsigned char c : host)
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  while (port.size() > 1 && port.front() == '0') port.remove_prefix(1);
  if (!port.empty() && (port == "0" || std::stoi(std::string(port)) > 65535)) return std::nullopt;
  std::string out = scheme + "://" + host;
  if (!port.empty() && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80"))
    out += ":" + std::string(port);
  return out;
}

}  // namespace sb::providers::webpush
