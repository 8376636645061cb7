// Identity's secrets at rest, internal to identity/ (AuthService is the public
// surface).
//
// SecretBox seals the two secrets identity must read back in clear (JWT
// signing keys, TOTP secrets) with XChaCha20-Poly1305 under a key derived
// from the master key. Each value is bound to a context string (its row:
// "signing_key:<kid>", "totp:<user id>") as associated data, so a ciphertext
// copied into another row does not open.
//
// KeyStore keeps the signing key ring in the signing_keys table: one
// 'current' key and 'retired' keys that still verify until retire_after.
//
// SecretBox is immutable after construction; KeyStore holds only references.
// Both are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/result.h"
#include "identity/signing_keys.h"

namespace sb::store { class Db; }
namespace sb::events { class EventLog; }

namespace sb::identity {

// A 32-byte subkey for one purpose: HMAC-SHA256(master, "switchboard/identity/" + purpose).
std::string derive_subkey(std::string_view master_key, std::string_view purpose);

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

class KeyStore {
 public:
  // All references must outlive the store.
  KeyStore(store::Db& db, events::EventLog& log, const Clock& clock, const SecretBox& box)
      : db_(db), log_(log), clock_(clock), box_(box) {}

  // Loads the ring from the Db; when there is no current key yet, generates
  // and stores one first (instances starting together agree on one key).
  Status load_or_create(KeyRing& ring);
  // Replaces `ring` with the keys in the Db (current + retired still live).
  // NotFound when the Db has no current key.
  Status load(KeyRing& ring);
  // Stores a new current key, retiring the previous one at
  // `retire_previous_after_ms`, and appends identity.key_rotated. Callers
  // load() afterwards. Returns the new kid.
  Result<std::string> rotate(int64_t retire_previous_after_ms);

 private:
  store::Db& db_;
  events::EventLog& log_;
  const Clock& clock_;
  const SecretBox& box_;
};

}  // namespace sb::identity
