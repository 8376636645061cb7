// A bounded memory of JWTs that passed full verification, so the request
// path pays for an Ed25519 signature check once per token instead of once per
// request. Keyed by the complete token text: a hit means the input is byte
// for byte a token whose signature was already checked. The cache only
// remembers; the caller re-checks times and key liveness on every hit.
//
// Only verified tokens are inserted, so an attacker cannot fill it with
// garbage. When a shard is full, entries past their drop time go first; if
// that frees nothing the shard is cleared (correct, merely slower for a
// moment). Thread-safe: 16 shards, each guarded by its own mutex.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sb::identity {

struct Claims;

class VerifiedTokenCache {
 public:
  explicit VerifiedTokenCache(size_t capacity);

  // Claims remembered for exactly this token, or null.
  std::shared_ptr<const Claims> find(std::string_view token) const;
  // Remembers `claims` until `drop_at_ms` (Unix ms; after it the token can no
  // longer verify, so keeping it is pointless).
  void insert(std::string_view token, std::shared_ptr<const Claims> claims, int64_t drop_at_ms,
              int64_t now_ms);
  size_t size() const;

 private:
  static constexpr size_t kShards = 16;

  struct Hash {
    using is_transparent = void;
    // Only verified tokens are ever stored (no flooding by chosen keys), and a
    // JWT ends in its signature, effectively random: its last 16 bytes spread
    // keys as well as hashing all ~300 bytes would. Equality still compares
    // the whole token.
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>{}(s.size() > 16 ? s.substr(s.size() - 16) : s);
    }
  };
  struct Entry {
    std::shared_ptr<const Claims> claims;
    int64_t drop_at_ms;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Entry, Hash, std::equal_to<>> map;  // guarded by mu
  };

  Shard& shard_for(std::string_view token) const;

  const size_t per_shard_;  // immutable after construction
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace sb::identity
