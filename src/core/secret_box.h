// SecretBox seals values that must be read back in clear but never stored in
// clear (identity's JWT signing keys and TOTP secrets, secret configuration
// values) with XChaCha20-Poly1305 (libsodium) under a 32-byte key the owner
// derives from the master key. Each value is bound to a context string (its
// row: "signing_key:<kid>", "totp:<user id>", "config:<key>") as associated
// data, so a ciphertext copied into another row does not open.
//
// Lives in core/ because two modules on different branches of the dependency
// graph (identity, config) seal with it; it holds no policy of either.
// Immutable after construction; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace sb::crypto {

class SecretBox {
 public:
  static constexpr size_t kKeyBytes = 32;
  // InvalidArgument("/master_key") unless `key` is kKeyBytes long.
  static Result<SecretBox> create(std::string key);

  // "v1." + base64(nonce || ciphertext || tag); a fresh random nonce each call.
  std::string seal(std::string_view plaintext, std::string_view context) const;
  // Internal when the text is malformed, tampered with, sealed under another
  // key or for another context.
  Result<std::string> open(std::string_view sealed, std::string_view context) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;  // immutable after construction
};

}  // namespace sb::crypto
