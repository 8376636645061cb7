#include "resilience/rate_limiter.h"

#include <algorithm>
#include <charconv>
#include <functional>

namespace sb::resilience {
namespace {

// TATs are kept in nanoseconds so T = period/count stays exact enough for
// counts that do not divide the period (7/1s): the error is < count ns.
constexpr int64_t kNsPerMs = 1'000'000;

int64_t ceil_div(int64_t a, int64_t b) { return a <= 0 ? 0 : (a + b - 1) / b; }

std::string_view trim(std::string_view s) {
  const auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

// Digits only (no sign, no spaces). Returns false if empty, not all digits, or
// out of int64 range (`overflow` says which).
bool parse_digits(std::string_view s, int64_t& out, bool& overflow) {
  overflow = false;
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  if (ec == std::errc::result_out_of_range) {
    overflow = true;
    return false;
  }
  return ec == std::errc() && ptr == s.data() + s.size();
}

struct Unit {
  std::string_view name;
  int64_t ms;
};
// Largest first: format_rate_limit picks the first that divides the period.
constexpr Unit kUnits[] = {{"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000},
                           {"ms", 1}};

}  // namespace

Result<RateLimit> parse_rate_limit(std::string_view text, const std::string& field) {
  const std::string_view t = trim(text);
  if (t == "off") return RateLimit{};
  const auto quoted = "\"" + std::string(t) + "\"";
  const auto shape = [&] {
    return Status::invalid(field, quoted + " is not a rate limit; use COUNT/PERIOD like 10/1m, "
                                           "100/s or 1000/1h, or off");
  };
  const size_t slash = t.find('/');
  if (slash == std::string_view::npos) return shape();

  int64_t count = 0;
  bool overflow = false;
  if (!parse_digits(t.substr(0, slash), count, overflow)) {
    if (overflow) return Status::invalid(field, quoted + ": count is too large");
    return shape();
  }
  if (count == 0) return Status::invalid(field, quoted + ": count must be at least 1 (use off to disable)");
  if (count > kMaxRateCount)
    return Status::invalid(field, quoted + ": count must be at most " + std::to_string(kMaxRateCount));

  std::string_view per = t.substr(slash + 1);
  const size_t unit_at = per.find_first_not_of("0123456789");
  if (unit_at == std::string_view::npos) return shape();  // "10/60": no unit
  int64_t n = 1;
  if (unit_at > 0 && !parse_digits(per.substr(0, unit_at), n, overflow)) {
    if (overflow) return Status::invalid(field, quoted + ": period is too long (at most 30d)");
    return shape();
  }
  const std::string_view unit_name = per.substr(unit_at);
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits)
    if (u.name == unit_name) unit = &u;
  if (!unit)
    return Status::invalid(field, quoted + ": unknown unit \"" + std::string(unit_name) +
                                      "\" (use ms, s, m, h or d)");
  if (n == 0) return Status::invalid(field, quoted + ": period must be positive");
  if (n > kMaxRatePeriodMs / unit->ms)
    return Status::invalid(field, quoted + ": period is too long (at most 30d)");
  return RateLimit{count, n * unit->ms};
}

std::string format_rate_limit(const RateLimit& limit) {
  if (!limit.enabled()) return "off";
  for (const Unit& u : kUnits)
    if (limit.period_ms % u.ms == 0)
      return std::to_string(limit.count) + "/" + std::to_string(limit.period_ms / u.ms) +
             std::string(u.name);
  return "off";  // unreachable: every period is a whole number of ms
}

std::vector<std::pair<std::string, std::string>> rate_limit_headers(const Decision& d) {
  std::vector<std::pair<std::string, std::string>> h;
  if (d.limit <= 0) return h;
  h.reserve(5);
  h.emplace_back("RateLimit-Limit", std::to_string(d.limit));
  h.emplace_back("RateLimit-Remaining", std::to_string(std::max<int64_t>(0, d.remaining)));
  h.emplace_back("RateLimit-Reset", std::to_string(ceil_div(d.reset_ms, 1000)));
  h.emplace_back("RateLimit-Policy",
                 std::to_string(d.limit) + ";w=" + std::to_string(ceil_div(d.window_ms, 1000)));
  if (!d.allowed)
    h.emplace_back("Retry-After", std::to_string(std::max<int64_t>(1, ceil_div(d.retry_after_ms, 1000))));
  return h;
}

size_t RateLimiter::KeyHash::combine(std::string_view rule, std::string_view key) {
  const size_t a = std::hash<std::string_view>{}(rule);
  const size_t b = std::hash<std::string_view>{}(key);
  return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
}

RateLimiter::RateLimiter(const Clock& clock, size_t max_keys_per_shard)
    : clock_(clock),
      max_per_shard_(std::max<size_t>(1, max_keys_per_shard)),
      base_ms_(clock.steady_ms()) {}

int64_t RateLimiter::now_ns() const { return (clock_.steady_ms() - base_ms_) * kNsPerMs; }

Decision RateLimiter::take(std::string_view rule_name, const RateLimit& limit,
                           std::string_view key, int64_t cost) {
  if (!limit.enabled()) return Decision{};
  const int64_t count = std::min(limit.count, kMaxRateCount);
  const int64_t period_ns = std::min(limit.period_ms, kMaxRatePeriodMs) * kNsPerMs;
  const int64_t t = std::max<int64_t>(1, period_ns / count);  // emission interval
  const int64_t burst = t * count;  // <= period_ns; a full bucket is TAT == now
  cost = std::max<int64_t>(0, cost);

  Decision d{.allowed = false, .limit = limit.count, .window_ms = limit.period_ms};
  const size_t hash = KeyHash::combine(rule_name, key);
  Shard& s = shard_for(hash);
  std::lock_guard lock(s.mu);
  const int64_t now = now_ns();  // under the lock: TATs in a shard move forward only
  auto it = s.map.find(KeyView{rule_name, key, hash});
  int64_t tat = it == s.map.end() ? now : std::max(it->second, now);
  if (tat - now > burst) {
    // The limit shrank (or its period shortened) since this TAT was stored.
    // Store the clamp so nobody waits longer than one new period for a full
    // bucket; only ever lowers a TAT, so it cannot deny anyone.
    tat = now + burst;
    it->second = tat;
  }

  if (cost > count) {
    d.retry_after_ms = limit.period_ms;  // never fits; documented in the header
  } else if (const int64_t next = tat + cost * t; next - now <= burst) {
    d.allowed = true;
    if (cost > 0) {
      if (it != s.map.end()) {
        it->second = next;
      } else {
        if (s.map.size() >= max_per_shard_) evict_locked(s, now);
        s.map.emplace(Key{std::string(rule_name), std::string(key)}, next);
      }
    }
    tat = next;
  } else {
    d.retry_after_ms = ceil_div(next - burst - now, kNsPerMs);
  }
  d.remaining = std::max<int64_t>(0, (burst - (tat - now)) / t);
  d.reset_ms = ceil_div(tat - now, kNsPerMs);
  return d;
}

void RateLimiter::evict_locked(Shard& s, int64_t now) {
  // Free an eighth of the shard at once so a stream of new keys pays the O(n)
  // sweep once per max/8 inserts, not on every insert.
  const size_t want = std::max<size_t>(1, max_per_shard_ / 8);
  size_t freed = 0;
  for (auto it = s.map.begin(); it != s.map.end();) {
    if (it->second <= now) {  // bucket already full again: no state lost
      it = s.map.erase(it);
      ++freed;
    } else {
      ++it;
    }
  }
  if (freed >= want) return;
  size_t more = want - freed;
  if (more >= s.map.size()) {
    s.map.clear();
    return;
  }
  // Drop the entries closest to full: the least permissive thing to forget.
  std::vector<int64_t> tats;
  tats.reserve(s.map.size());
  for (const auto& [k, tat] : s.map) tats.push_back(tat);
  std::nth_element(tats.begin(), tats.begin() + static_cast<ptrdiff_t>(more - 1), tats.end());
  const int64_t cutoff = tats[more - 1];
  for (auto it = s.map.begin(); it != s.map.end() && more > 0;) {
    if (it->second <= cutoff) {
      it = s.map.erase(it);
      --more;
    } else {
      ++it;
    }
  }
}

void RateLimiter::reset(std::string_view rule_name, std::string_view key) {
  const size_t hash = KeyHash::combine(rule_name, key);
  Shard& s = shard_for(hash);
  std::lock_guard lock(s.mu);
  auto it = s.map.find(KeyView{rule_name, key, hash});
  if (it != s.map.end()) s.map.erase(it);
}

size_t RateLimiter::size() const {
  size_t n = 0;
  for (const Shard& s : shards_) {
    std::lock_guard lock(s.mu);
    n += s.map.size();
  }
  return n;
}

}  // namespace sb::resilience
