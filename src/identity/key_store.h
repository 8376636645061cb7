// Identity's secrets at rest, internal to identity/ (AuthService is the public
// surface).
//
// SecretBox (core/secret_box.h) seals the two secrets identity must read
// back in clear (JWT signing keys, TOTP secrets) under a key derived from the
// master key, bound to their row ("signing_key:<kid>", "totp:<user id>").
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
#include "core/secret_box.h"
#include "identity/signing_keys.h"

namespace sb::store { class Db; }
namespace sb::events { class EventLog; }

namespace sb::identity {

// A 32-byte subkey for one purpose: HMAC-SHA256(master, "switchboard/identity/" + purpose).
std::string derive_subkey(std::string_view master_key, std::string_view purpose);

// Moved to core/ when config began sealing its secrets with it.
using SecretBox = crypto::SecretBox;

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
