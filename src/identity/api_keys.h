// Admin API keys: the bootstrap credential for /v1/* until user identity
// lands. Keys are 256-bit random tokens ("sbk_…"), stored only as SHA-256
// (a fast hash is enough for high-entropy secrets), shown once at creation.
// Verification caches known hashes for a few seconds so the hot path does
// not touch the Db; a revocation takes effect within that TTL on every
// instance. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/result.h"

namespace sb::store { class Db; }
namespace sb::events { class EventLog; }

namespace sb::identity {

struct IssuedKey {
  std::string id;
  std::string key;  // plaintext, returned once
};

class ApiKeys {
 public:
  ApiKeys(store::Db& db, events::EventLog& log, const Clock& clock, int64_t cache_ttl_ms = 5000);

  // Creates a key; `plaintext` given (SWITCHBOARD_ADMIN_KEY) or generated.
  Result<IssuedKey> create(const std::string& name, std::optional<std::string> plaintext = std::nullopt);
  // Revokes every active key, then creates a new one.
  Result<IssuedKey> rotate(const std::string& name);
  Result<int64_t> active_count();
  // Returns the key id for a valid, unrevoked key.
  Result<std::string> verify(const std::string& plaintext);
  // verify() answered from memory only: nullopt when the key is not cached
  // (or its entry is older than the TTL) and only the Db can tell. Never
  // blocks; io threads call this and leave a miss to the blocking pool.
  std::optional<Result<std::string>> verify_cached(const std::string& plaintext);

 private:
  // The cache, then (when may_block) the Db; nullopt only on a miss with !may_block.
  std::optional<Result<std::string>> check(const std::string& plaintext, bool may_block);

  store::Db& db_;
  events::EventLog& log_;
  const Clock& clock_;
  const int64_t ttl_ms_;
  std::mutex mu_;
  struct Cached {
    std::string id;
    int64_t checked_ms;
  };
  std::map<std::string, Cached> cache_;  // hash -> id; guarded by mu_
};

}  // namespace sb::identity
