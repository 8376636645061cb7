// JSON Web Tokens as the push providers send them to their services (RFC
// 7519, compact JWS): fcm signs an OAuth2 assertion with RS256 for Google's
// token endpoint, apns signs its provider token with ES256. Only signing:
// verifying is the services' side (and the tests').
//
// Immutable keys, pure functions: thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"
#include "providers/push/web_push_crypto.h"

namespace sb::providers::jwt {

// An RSA private key for RS256 (RSASSA-PKCS1-v1_5 with SHA-256). Copies share it.
class RsaKey {
 public:
  // PEM, PKCS#8 ("BEGIN PRIVATE KEY", what a Google service-account JSON
  // holds) or PKCS#1 ("BEGIN RSA PRIVATE KEY"); at least 2048 bits. The
  // error never contains the key.
  static Result<RsaKey> parse(std::string_view pem);
  // The raw signature of `input` (not base64url).
  Result<std::string> sign(std::string_view input) const;

 private:
  struct Pkey;
  explicit RsaKey(std::shared_ptr<const Pkey> key) : key_(std::move(key)) {}
  std::shared_ptr<const Pkey> key_;
};

// base64url(header) "." base64url(claims) "." base64url(signature), with
// header["alg"] set to RS256 / ES256 (anything else in the header, typ or
// kid, is the caller's: APNs documents a header of alg and kid only).
Result<std::string> sign_rs256(const RsaKey& key, boost::json::object header, const boost::json::object& claims);
Result<std::string> sign_es256(const webpush::VapidKey& key, boost::json::object header,
                               const boost::json::object& claims);

}  // namespace sb::providers::jwt
