// RateLimits — the request rate rules and the http::Admission that applies
// them. Rules are config keys `ratelimit.<group>.<key kind>` holding "N/PERIOD"
// ("10/1m", "3/10m") or "off", declared here with their defaults and
// re-read whenever they change at runtime (no restart):
//
//   ratelimit.<group>.ip    applied by admit() to routes whose rate_group is <group>
//   ratelimit.api.ip        every non-public route, per client IP     (off by default)
//   ratelimit.api.user      every authenticated route, per principal  (off by default)
//   ratelimit.<group>.<x>   taken by handlers with their own key (account, phone, email)
//
// Limits are per instance (resilience::RateLimiter is in memory). Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/key.h"
#include "core/clock.h"
#include "core/result.h"
#include "http/pipeline.h"
#include "resilience/rate_limiter.h"

namespace sb::config { class ConfigService; }
namespace sb::metrics { class Registry; }

namespace sb::api {

inline const config::Key<bool> kRateLimitEnabled{"ratelimit.enabled", true,
                                                 "Apply the ratelimit.* rules (429 with Retry-After)", config::hot};
// ratelimit.<group>.<kind>: one member per rule (rate_limits.cpp), each with its own default.
inline const config::Family<std::string> kRateLimitRule{
    "ratelimit.{}", "off", "\"N/PERIOD\" (s, m, h, d) or \"off\"",
    config::check(
        [](const std::string& v) -> std::optional<std::string> {
          auto parsed = resilience::parse_rate_limit(v, "value");
          if (parsed.ok()) return std::nullopt;
          const Status& st = parsed.status();
          return st.fields().empty() ? st.message() : st.fields()[0].message;
        },
        "N/PERIOD or off"),
    config::hot};

class RateLimits final : public http::Admission {
 public:
  // Declares the ratelimit.* keys on `config` (call before the config file
  // is loaded).
  static void declare(config::ConfigService& config);
  // Reads the rules and watches them; `config` and `clock` must outlive this.
  // `metrics` may be null; refusals are counted as sb_ratelimit_refused_total{rule}.
  RateLimits(config::ConfigService& config, const Clock& clock, metrics::Registry* metrics = nullptr);
  ~RateLimits() override;

  Status admit(const http::Request& req, const http::Route& route,
               std::vector<std::pair<std::string, std::string>>& headers) override;

  // Takes one unit of rule `rule` ("auth.login.account") for `key`. OK while
  // within the limit (or the rule is off); ResourceExhausted otherwise, with
  // the Retry-After/RateLimit-* headers added to `headers`.
  Status take(const std::string& rule, const std::string& key,
              std::vector<std::pair<std::string, std::string>>& headers);

 private:
  using Rules = std::map<std::string, resilience::RateLimit, std::less<>>;
  void reload();
  // ResourceExhausted when refused; remembers the tightest decision's headers.
  Status apply(std::string_view rule, std::string_view key, resilience::Decision& tightest, bool& any);

  config::ConfigService& config_;
  metrics::Registry* metrics_;
  resilience::RateLimiter limiter_;
  std::atomic<std::shared_ptr<const Rules>> rules_;  // swapped whole on change
  std::atomic<bool> enabled_{true};
  std::atomic<bool> api_rules_{false};  // api.ip or api.user is on: every non-public route is counted
  uint64_t watch_ = 0;
};

}  // namespace sb::api
