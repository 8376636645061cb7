// JWT access tokens: issue and verify compact JWS tokens (RFC 7515/7519)
// signed with the KeyRing's Ed25519 keys.
//
// JwtIssuer signs {"alg":"EdDSA","typ":"JWT","kid":…} headers over the claims
// sub, iat, exp, nbf (optional), iss, aud, sid, roles, amr, jti plus extra
// claims. JwtVerifier checks a token on every authenticated request:
//   - the algorithm is pinned per key: the header `kid` selects the key, and
//     the header `alg` must equal that key's algorithm exactly, so `none`,
//     HS256-with-the-public-key and any other algorithm are refused;
//   - signature before payload: claims JSON from an unverified token is never
//     parsed;
//   - exp, nbf, iat against an injected Clock with a configurable leeway;
//     iss exact, aud (string or array) must contain our audience; sub, iss,
//     aud, exp, iat, jti are required.
// Every failure is Unauthenticated with a short fixed reason that never echoes
// the token or any value taken from it.
//
// Ed25519 verification costs tens of microseconds, more than serving /health,
// so JwtVerifier keeps a bounded cache of tokens it has fully verified (keyed
// by the whole token text, so a hit means byte-identical input). A hit still
// re-checks exp/nbf/iat and that the signing key is still in the ring.
//
// Both classes are immutable after construction apart from the internal
// cache and are safe to call from any number of threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "core/clock.h"
#include "core/result.h"
#include "identity/signing_keys.h"

namespace sb::identity {

class VerifiedTokenCache;

// Config an integrator declares (identity.jwt.*); validate() once at load.
struct JwtOptions {
  std::string issuer;    // `iss` written and required exactly
  std::string audience;  // `aud` written; verified tokens must list it
  std::chrono::seconds access_ttl{900};
  std::chrono::seconds leeway{30};  // clock skew tolerated on exp/nbf/iat
  size_t cache_capacity = 65536;    // verified tokens remembered; 0 disables

  // InvalidArgument naming the field: empty issuer/audience, ttl <= 0, leeway < 0.
  Status validate() const;
};

// What to put in a new token. `extra` must not use a registered claim name.
struct TokenSpec {
  std::string sub;
  std::string sid;
  std::vector<std::string> roles;
  std::vector<std::string> amr;  // RFC 8176 values: "pwd", "otp", "mfa", …
  std::optional<std::chrono::seconds> ttl;  // default: JwtOptions::access_ttl
  std::optional<int64_t> not_before;        // nbf, Unix seconds
  boost::json::object extra;
};

struct IssuedToken {
  std::string token;
  std::string jti;
  int64_t expires_at = 0;  // Unix seconds (the `exp` claim)
  int64_t expires_in = 0;  // seconds, for the OAuth-style response body
};

// A verified token's claims. Times are Unix seconds (JWT NumericDate).
struct Claims {
  std::string sub;
  std::string iss;
  std::vector<std::string> aud;  // always a list, whatever the token used
  int64_t iat = 0;
  int64_t exp = 0;
  std::optional<int64_t> nbf;
  std::string sid;
  std::vector<std::string> roles;
  std::vector<std::string> amr;
  std::string jti;
  std::string kid;  // key that signed it (from the verified header)
  boost::json::object extra;  // every claim not listed above

  bool has_role(std::string_view role) const;
};

// True for the claim names Claims holds as fields (and TokenSpec::extra refuses).
bool is_registered_claim(std::string_view name);

class JwtIssuer {
 public:
  // `keys` and `clock` must outlive the issuer.
  JwtIssuer(const KeyRing& keys, const Clock& clock, JwtOptions options);

  // Signs a token with the ring's current key. InvalidArgument for an empty
  // sub, a non-positive ttl or a registered claim in `extra`; Unavailable when
  // the ring has no current key.
  Result<IssuedToken> issue(const TokenSpec& spec) const;

  const JwtOptions& options() const { return options_; }

 private:
  const KeyRing& keys_;
  const Clock& clock_;
  const JwtOptions options_;
};

class JwtVerifier {
 public:
  // `keys` and `clock` must outlive the verifier.
  JwtVerifier(const KeyRing& keys, const Clock& clock, JwtOptions options);
  ~JwtVerifier();
  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

  // The claims of a valid token, shared (cache hits return the same object,
  // so the hot path copies no strings). Unauthenticated otherwise.
  Result<std::shared_ptr<const Claims>> verify(std::string_view token) const;

  const JwtOptions& options() const { return options_; }

 private:
  Result<std::shared_ptr<const Claims>> verify_uncached(std::string_view token,
                                                        int64_t now_ms) const;
  Status check_times(const Claims& c, int64_t now_ms) const;
  Status check_key_live(const KeyRing::Snapshot& snap, std::string_view kid, int64_t now_ms) const;

  const KeyRing& keys_;
  const Clock& clock_;
  const JwtOptions options_;
  std::unique_ptr<VerifiedTokenCache> cache_;  // internally synchronised; null when disabled
};

}  // namespace sb::identity
