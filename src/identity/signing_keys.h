// Token signing keys and the ring that holds them.
//
// SigningKey wraps one asymmetric key (Ed25519 today) parsed once into an
// OpenSSL EVP_PKEY. Its JWS algorithm is fixed by the key type, never by a
// token: the verifier asks the key which `alg` it accepts ("alg pinned per
// key"), which is what defeats `alg: none` and the HS256-with-public-key trick.
// The `kid` is derived from the public key (base64url of the first 8 bytes of
// SHA-256), so every instance that loads the same key agrees on it.
//
// KeyRing holds one current signing key plus retired keys that still verify
// tokens issued before a rotation, each until its `retire_after` time. Readers
// take an immutable snapshot (an atomic shared_ptr load, no lock); rotation,
// load and prune build a new snapshot off to the side and swap it in under a
// writer mutex. SigningKey is immutable and safe to use from any thread;
// every KeyRing method is thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/result.h"

namespace sb::identity {

// JWS algorithms a key can be pinned to. A new key type (ES256) adds a value
// here and a branch in signing_keys.cpp; the verifier needs no change.
enum class JwsAlg { kEdDSA };

// The exact JOSE name ("EdDSA"); header `alg` must equal it byte for byte.
std::string_view jws_alg_name(JwsAlg alg);

class SigningKey {
 public:
  // A fresh random Ed25519 key.
  static Result<std::shared_ptr<const SigningKey>> generate_ed25519();
  // From a 32-byte Ed25519 seed (RFC 8032 "secret key"); for test vectors and
  // deterministic fixtures. InvalidArgument when the seed is not 32 bytes.
  static Result<std::shared_ptr<const SigningKey>> from_ed25519_seed(std::string_view seed);
  // From an unencrypted PKCS#8 PEM private key as written by private_pem().
  // InvalidArgument for malformed, passphrase-protected or non-Ed25519 keys.
  static Result<std::shared_ptr<const SigningKey>> from_private_pem(std::string_view pem);

  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  const std::string& kid() const { return kid_; }
  JwsAlg alg() const { return alg_; }
  std::string_view alg_name() const { return jws_alg_name(alg_); }
  // Raw public key bytes (32 for Ed25519).
  const std::string& public_raw() const { return public_raw_; }

  // PKCS#8 PEM of the private key. This is the secret: callers store it only
  // encrypted (Db at rest) and never log it.
  Result<std::string> private_pem() const;
  // Public JWK: {"kty":"OKP","crv":"Ed25519","x":…,"kid":…,"alg":"EdDSA","use":"sig"}.
  boost::json::object public_jwk() const;

  // Signature over `data` (64 bytes for Ed25519). Internal on OpenSSL failure.
  Result<std::string> sign(std::string_view data) const;
  // True only for a valid signature by this key over exactly `data`.
  bool verify(std::string_view data, std::string_view signature) const;

 private:
  struct PkeyDeleter {
    void operator()(void* p) const;
  };
  using PkeyPtr = std::unique_ptr<void, PkeyDeleter>;  // EVP_PKEY*, kept out of this header

  SigningKey(PkeyPtr pkey, JwsAlg alg, std::string public_raw);
  static Result<std::shared_ptr<const SigningKey>> wrap(void* evp_pkey);

  // Immutable after construction.
  PkeyPtr pkey_;
  JwsAlg alg_;
  std::string public_raw_;
  std::string kid_;
};

using SigningKeyPtr = std::shared_ptr<const SigningKey>;

// A key kept for verification after rotation, until `retire_after_ms`
// (Unix ms; normally rotation time + longest access-token TTL + leeway).
struct RetiredKey {
  SigningKeyPtr key;
  int64_t retire_after_ms = 0;
};

class KeyRing {
 public:
  // Immutable view of the ring at one moment; hold it for the whole of one
  // verification so a concurrent rotation cannot change keys mid-way.
  struct Snapshot {
    SigningKeyPtr current;            // may be null before the first load
    std::vector<RetiredKey> retired;  // verification only
    std::string jwks_json;            // {"keys":[current, retired…]}, built once per swap

    // The key with this kid and its retire time (nullopt for the current key),
    // or nullptr when no key has it.
    const SigningKey* find(std::string_view kid, std::optional<int64_t>* retire_after_ms) const;
  };

  KeyRing();
  explicit KeyRing(SigningKeyPtr current);

  // Replaces the whole ring, e.g. with keys loaded from the Db at start-up or
  // after another instance rotated. InvalidArgument on a null current key or
  // duplicate kids.
  Status load(SigningKeyPtr current, std::vector<RetiredKey> retired);
  // Makes `next` the signing key; the previous current key keeps verifying
  // until `retire_previous_after_ms`. AlreadyExists when `next` has a kid
  // already in the ring.
  Status rotate(SigningKeyPtr next, int64_t retire_previous_after_ms);
  // Drops retired keys whose retire_after_ms < now_ms; returns how many.
  size_t prune(int64_t now_ms);

  std::shared_ptr<const Snapshot> snapshot() const { return snap_.load(std::memory_order_acquire); }
  SigningKeyPtr current() const { return snapshot()->current; }
  // JWKS document for GET /.well-known/jwks.json.
  std::string jwks_json() const { return snapshot()->jwks_json; }

 private:
  void publish(SigningKeyPtr current, std::vector<RetiredKey> retired);  // requires write_mu_

  std::mutex write_mu_;  // serialises writers; readers never take it
  std::atomic<std::shared_ptr<const Snapshot>> snap_;
};

}  // namespace sb::identity
