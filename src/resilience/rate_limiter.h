// RateLimiter — in-process request rate limiting per (rule, key), e.g.
// ("login", client ip) or ("otp.send", user id), using GCRA (the generic cell
// rate algorithm, as in ATM traffic shaping and redis-cell).
//
// Why GCRA: a limit of `count` per `period` becomes an emission interval
// T = period/count and a burst tolerance period - T. The only state per key is
// one timestamp, the theoretical arrival time (TAT): the moment the key's
// bucket would be full again. A request of cost c is allowed iff
// max(TAT, now) + c*T - now <= period, and then TAT advances by c*T. That is
// O(1) time and 8 bytes of state, allows the full `count` as a burst, and
// refills smoothly at one unit per T — no window edges where 2x slips through.
//
// The limit is passed on every call rather than registered, so a rule can be
// changed at runtime (config hot reload) with no limiter call: the next take()
// interprets the stored TAT against the new limit. The state is time, not a
// count: after raising 10/1m to 20/1m an empty bucket is still empty but refills
// twice as fast; after lowering, the TAT is clamped so nobody waits longer than
// one new period for a full bucket.
//
// Memory is bounded: each of the kShards shards keeps at most
// `max_keys_per_shard` entries. A full shard first drops entries whose TAT is
// in the past (a full bucket carries no state), then the entries closest to
// full. Forgetting an entry resets that key to a full bucket, so eviction can
// only make the limiter briefly more permissive; it never denies anyone and a
// fresh key is always admitted.
//
// Limits are per instance: N processes on one shared database each allow the
// full rate (N x count in total). Sharing the budget needs a shared store
// (e.g. a Redis-backed limiter) — not built yet.
//
// Thread-safe: take(), reset() and size() may be called concurrently; each
// locks one shard (size() locks them in turn). take() does not allocate when
// the (rule, key) entry already exists. Uses clock.steady_ms(), so tests step a
// ManualClock instead of sleeping; the Clock must outlive the limiter.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sb::resilience {

// `count` requests per `period_ms`. count <= 0 (or period_ms <= 0) = disabled.
struct RateLimit {
  int64_t count = 0;
  int64_t period_ms = 0;

  bool enabled() const { return count > 0 && period_ms > 0; }
  bool operator==(const RateLimit&) const = default;
};

inline constexpr int64_t kMaxRateCount = 1'000'000'000;
inline constexpr int64_t kMaxRatePeriodMs = 30LL * 24 * 3600 * 1000;  // 30d

// Parses "COUNT/PERIOD" where PERIOD is an optional positive number and a unit
// ms, s, m, h or d ("10/1m", "3/10m", "100/s", "5/30s", "1000/1h"), or "off"
// (disabled). Surrounding whitespace is ignored. Anything else — zero or
// negative numbers, unknown units, count > kMaxRateCount, period >
// kMaxRatePeriodMs, overflow — is InvalidArgument naming `field`.
Result<RateLimit> parse_rate_limit(std::string_view text, const std::string& field);
// Inverse of parse_rate_limit: "off", or the largest unit that is exact ("10/1m").
std::string format_rate_limit(const RateLimit& limit);

// The outcome of one take(). For a disabled limit: allowed, every number 0.
struct Decision {
  bool allowed = true;
  int64_t limit = 0;           // the rule's count
  int64_t remaining = 0;       // whole requests still allowed right now (after this one)
  int64_t reset_ms = 0;        // ms until the bucket is fully replenished (0 = full)
  int64_t retry_after_ms = 0;  // 0 when allowed; else ms until this request would fit
  int64_t window_ms = 0;       // the rule's period (for RateLimit-Policy)
};

// Response headers per draft-ietf-httpapi-ratelimit-headers (the -06 field
// names), in this order: RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset
// (seconds, rounded up), RateLimit-Policy ("<count>;w=<window seconds>"), then
// Retry-After (seconds, rounded up, >= 1) only when not allowed. Empty for a
// disabled limit.
std::vector<std::pair<std::string, std::string>> rate_limit_headers(const Decision& d);

class RateLimiter {
 public:
  static constexpr size_t kShards = 16;

  explicit RateLimiter(const Clock& clock, size_t max_keys_per_shard = 16384);
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Spends `cost` units of `limit` for (rule_name, key) if they fit now.
  // A denied call spends nothing. cost 0 peeks (always allowed, spends
  // nothing); a negative cost counts as 0. A cost above limit.count can never
  // fit: it is denied with retry_after_ms = the full period. A disabled limit
  // is always allowed and touches no state.
  Decision take(std::string_view rule_name, const RateLimit& limit, std::string_view key,
                int64_t cost = 1);

  // Forgets (rule_name, key): its next take() sees a full bucket.
  void reset(std::string_view rule_name, std::string_view key);

  // Entries held across all shards (<= kShards * max_keys_per_shard).
  size_t size() const;

 private:
  struct Key {
    std::string rule;
    std::string key;
  };
  struct KeyView {
    std::string_view rule;
    std::string_view key;
    size_t hash;
  };
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const Key& k) const { return combine(k.rule, k.key); }
    size_t operator()(const KeyView& k) const { return k.hash; }
    static size_t combine(std::string_view rule, std::string_view key);
  };
  struct KeyEq {
    using is_transparent = void;
    bool operator()(const Key& a, const Key& b) const { return a.rule == b.rule && a.key == b.key; }
    bool operator()(const KeyView& a, const Key& b) const { return a.rule == b.rule && a.key == b.key; }
    bool operator()(const Key& a, const KeyView& b) const { return a.rule == b.rule && a.key == b.key; }
  };
  // Value: TAT in ns since base_ms_.
  using Map = std::unordered_map<Key, int64_t, KeyHash, KeyEq>;

  struct alignas(64) Shard {
    mutable std::mutex mu;
    Map map;  // guarded by mu
  };

  Shard& shard_for(size_t hash) { return shards_[(hash >> 32 ^ hash) % kShards]; }
  int64_t now_ns() const;
  // Frees at least one slot in a full shard. Requires s.mu held.
  void evict_locked(Shard& s, int64_t now_ns);

  // Immutable after construction.
  const Clock& clock_;
  const size_t max_per_shard_;
  const int64_t base_ms_;  // steady_ms at construction; TATs are relative to it

  std::array<Shard, kShards> shards_;
};

}  // namespace sb::resilience
