// resilience::RateRules — the named rate-limit rules of the whole server,
// read from configuration: `ratelimit.<rule>` holds "N/PERIOD" ("10/1m",
// "3/10m") or "off", declared here with their defaults and re-read whenever
// they change at runtime (no restart). Rules are named "<group>.<key kind>":
//
//   <group>.ip      per client IP, for routes whose rate-limit group is <group>
//   api.ip          every non-public route, per client IP     (off by default)
//   api.user        every authenticated route, per principal  (off by default)
//   <group>.<x>     taken by a handler with its own key (account, phone, email)
//
// The HTTP side (which rules a route's request takes) is api::RateLimitAdmission;
// handlers call take() directly. Limits are per instance (RateLimiter is in
// memory). Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/key.h"
#include "core/clock.h"
#include "core/result.h"
#include "resilience/rate_limiter.h"

namespace sb::config { class ConfigService; }
namespace sb::metrics { class Registry; }

namespace sb::resilience {

inline const config::Key<bool> kRateLimitEnabled{"ratelimit.enabled", true,
                                                 "Apply the ratelimit.* rules (429 with Retry-After)", config::hot};
// ratelimit.<group>.<kind>: one member per rule (rate_rules.cpp), each with its own default.
inline const config::Family<std::string> kRateLimitRule{
    "ratelimit.{}", "off", "\"N/PERIOD\" (s, m, h, d) or \"off\"",
    config::check(
        [](const std::string& v) -> std::optional<std::string> {
          auto parsed = parse_rate_limit(v, "value");
          if (parsed.ok()) return std::nullopt;
          const Status& st = parsed.status();
          return st.fields().empty() ? st.message() : st.fields()[0].message;
        },
        "N/PERIOD or off"),
    config::hot};

using Headers = std::vector<std::pair<std::string, std::string>>;

class RateRules {
 public:
  // Declares the ratelimit.* keys on `config` (before the config file is loaded).
  static void declare(config::ConfigService& config);
  // Reads the rules and watches them; `config` and `clock` must outlive this.
  // `metrics` may be null; refusals are counted as sb_ratelimit_refused_total{rule}.
  RateRules(config::ConfigService& config, const Clock& clock, metrics::Registry* metrics = nullptr);
  ~RateRules();
  RateRules(const RateRules&) = delete;
  RateRules& operator=(const RateRules&) = delete;

  // Takes one unit of each (rule, key) in order, stopping at the first
  // refusal; rules that are off are skipped. OK while every one is within
  // its limit; ResourceExhausted (with the wait) otherwise. The
  // Retry-After/RateLimit-* headers of the rule closest to refusing are added
  // to `headers`.
  Status take(std::initializer_list<std::pair<std::string_view, std::string_view>> rule_keys, Headers& headers);
  Status take(std::string_view rule, std::string_view key, Headers& headers) { return take({{rule, key}}, headers); }

  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  // api.ip or api.user is on: every non-public route is counted.
  bool counts_every_route() const { return api_rules_.load(std::memory_order_relaxed); }

 private:
  using Rules = std::map<std::string, RateLimit, std::less<>>;
  void reload();

  config::ConfigService& config_;
  metrics::Registry* metrics_;
  RateLimiter limiter_;
  std::atomic<std::shared_ptr<const Rules>> rules_;  // swapped whole on change
  std::atomic<bool> enabled_{true};
  std::atomic<bool> api_rules_{false};
  uint64_t watch_ = 0;
};

}  // namespace sb::resilience
