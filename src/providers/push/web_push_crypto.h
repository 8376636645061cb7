// The cryptography of Web Push, over OpenSSL 3 EVP (no hand-written EC, AES
// or HKDF):
//   - RFC 8291 message encryption: ECDH P-256 between a fresh ephemeral key
//     and the subscription's p256dh, mixed with its 16-byte auth secret,
//     then RFC 8188 "aes128gcm" content coding in a single record;
//   - RFC 8292 VAPID: an ES256 JWT the push service checks against the
//     public key we send beside it.
// Binary values are std::string bytes; base64url is the caller's business
// except where a wire format says otherwise (JWT, the vapid header).
//
// Pure functions and immutable keys: thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace sb::providers::webpush {

constexpr size_t kPublicKeyBytes = 65;  // uncompressed P-256 point: 0x04 || X || Y
constexpr size_t kPrivateKeyBytes = 32;
constexpr size_t kAuthSecretBytes = 16;
constexpr size_t kSaltBytes = 16;
constexpr uint32_t kRecordSize = 4096;
// RFC 8291 §4: push services need accept only 4096 octets of body; less the
// 86-octet header, the 16-octet tag and the 1-octet delimiter.
constexpr size_t kMaxPlaintextBytes = 4096 - 86 - 16 - 1;

// Whether `raw` is an uncompressed point on P-256 (what p256dh must be).
bool is_p256_point(std::string_view raw);

// Base64url (RFC 4648 §5) with or without '=' padding; nullopt on any other
// character. Subscriptions and VAPID keys use it.
std::optional<std::string> base64url_decode(std::string_view text);

// RFC 8188 §2.2: the content-encryption key (16 bytes) and nonce (12 bytes)
// HKDF-SHA256 derives from `ikm` under `salt`.
struct ContentKeys {
  std::string cek;
  std::string nonce;
};
Result<ContentKeys> derive_content_keys(std::string_view ikm, std::string_view salt);

// RFC 8188 aes128gcm with one record: salt(16) || rs(u32 BE) || idlen || keyid
// || AES-128-GCM(cek, nonce, plaintext || 0x02). InvalidArgument when the
// plaintext does not fit one record of `rs` octets.
Result<std::string> aes128gcm_encrypt(std::string_view ikm, std::string_view salt, std::string_view keyid,
                                      std::string_view plaintext, uint32_t rs = kRecordSize);

// ECDH P-256 shared secret (32 bytes) of a raw private scalar and a raw public point.
Result<std::string> ecdh(std::string_view private_key, std::string_view peer_public);

// RFC 8291 §3.3-3.4: IKM = HKDF(salt=auth, ikm=ecdh_secret,
// info="WebPush: info" || 0x00 || ua_public || as_public, L=32).
Result<std::string> webpush_ikm(std::string_view ecdh_secret, std::string_view auth_secret,
                                std::string_view ua_public, std::string_view as_public);

struct EncryptOptions {
  // Tests inject the RFC's ephemeral key (32-byte scalar) and salt so the
  // output is byte-exact; empty = fresh from the CSPRNG, which every real
  // message must use (a reused key+salt would reuse the AES-GCM nonce).
  std::string as_private;
  std::string salt;
};

// RFC 8291 §4: the aes128gcm body for a subscription's `ua_public` (65 bytes)
// and `auth_secret` (16 bytes), with the ephemeral public key as keyid.
// InvalidArgument naming /to/keys/... or /body (too long for one record).
Result<std::string> encrypt(std::string_view plaintext, std::string_view ua_public, std::string_view auth_secret,
                            const EncryptOptions& options = {});

// The application server's VAPID key pair (P-256). Immutable; copies share it.
class VapidKey {
 public:
  // A 32-byte private scalar as base64url (the usual web-push form), or a
  // PEM EC/PKCS#8 private key as written by `openssl ecparam -genkey -name
  // prime256v1`. The error never contains the key.
  static Result<VapidKey> parse(std::string_view text);
  static VapidKey generate();

  // 65-byte uncompressed point: applicationServerKey for the browser, `k=` for the push service.
  const std::string& public_key() const { return public_; }
  std::string private_key_base64url() const;

  // JWS ES256 (RFC 7518 §3.4) of `input`: r || s, 64 bytes (not base64url).
  // Also what APNs provider tokens are signed with (apns_push.cpp).
  Result<std::string> sign_es256(std::string_view input) const;
  // RFC 8292 §2: header {"typ":"JWT","alg":"ES256"}, claims {aud, exp, sub},
  // signature r||s (64 bytes, JOSE), all base64url.
  Result<std::string> sign_jwt(std::string_view audience, int64_t expires_s, std::string_view subject) const;
  // RFC 8292 §3: "vapid t=<jwt>, k=<base64url public key>".
  Result<std::string> authorization(std::string_view audience, int64_t expires_s, std::string_view subject) const;

 private:
  struct Pkey;
  VapidKey(std::shared_ptr<const Pkey> key, std::string public_key)
      : key_(std::move(key)), public_(std::move(public_key)) {}
  std::shared_ptr<const Pkey> key_;
  std::string public_;
};

// RFC 6454 origin of an http(s) URL, the VAPID `aud`: lower-case scheme and
// host, the port only when it is not the scheme's default. nullopt if `url`
// is not http(s) with a host (or carries user info).
std::optional<std::string> origin_of(std::string_view url);

}  // namespace sb::providers::webpush
