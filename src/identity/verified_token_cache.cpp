#include "identity/verified_token_cache.h"

#include <algorithm>

namespace sb::identity {

VerifiedTokenCache::VerifiedTokenCache(size_t capacity)
    : per_shard_(std::max<size_t>(1, (capacity + kShards - 1) / kShards)) {}

VerifiedTokenCache::Shard& VerifiedTokenCache::shard_for(std::string_view token) const {
  // The tail of a JWT is signature base64, effectively random for the tokens
  // we store, so a few bytes spread shards without hashing the whole token.
  uint64_t h = 1469598103934665603ull;  // FNV-1a over the last 8 bytes
  for (size_t i = token.size() > 8 ? token.size() - 8 : 0; i < token.size(); ++i) {
    h ^= static_cast<unsigned char>(token[i]);
    h *= 1099511628211ull;
  }
  return shards_[h % kShards];
}

std::shared_ptr<const Claims> VerifiedTokenCache::find(std::string_view token) const {
  Shard& s = shard_for(token);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(token);
  return it == s.map.end() ? nullptr : it->second.claims;
}

void VerifiedTokenCache::insert(std::string_view token, std::shared_ptr<const Claims> claims,
                                int64_t drop_at_ms, int64_t now_ms) {
  Shard& s = shard_for(token);
  std::lock_guard lock(s.mu);
  if (s.map.size() >= per_shard_) {
    std::erase_if(s.map, [&](const auto& kv) { return kv.second.drop_at_ms < now_ms; });
    if (s.map.size() >= per_shard_) s.map.clear();
  }
  s.map.insert_or_assign(std::string(token), Entry{std::move(claims), drop_at_ms});
}

size_t VerifiedTokenCache::size() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.map.size();
  }
  return n;
}

}  // namespace sb::identity
