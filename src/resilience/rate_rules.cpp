#include "resilience/rate_rules.h"

#include <spdlog/spdlog.h>

#include "config/config.h"
#include "core/metrics.h"

namespace sb::resilience {

namespace {

struct RuleDefault {
  const char* key;
  const char* value;
  const char* why;
};

// Defaults are on for every route that can be used to guess a secret or to
// make us send messages; the general per-IP/per-user rules are off so a
// trusted backend calling at full speed is not throttled by surprise.
constexpr RuleDefault kRules[] = {
    {"auth.login.ip", "10/1m", "Password logins per client IP"},
    {"auth.login.account", "5/1m", "Password logins per account (email or phone)"},
    {"auth.register.ip", "20/1h", "Registrations per client IP"},
    {"auth.refresh.ip", "60/1m", "Token refreshes per client IP"},
    {"auth.otp_send.ip", "20/10m", "OTP sends per client IP"},
    {"auth.otp_send.phone", "3/10m", "OTP sends per phone number"},
    {"auth.otp_verify.ip", "30/10m", "OTP verifications per client IP"},
    {"auth.email.ip", "20/10m", "Email verification requests per client IP"},
    {"auth.password.ip", "10/10m", "Password forgot/reset requests per client IP"},
    {"auth.password.email", "3/1h", "Password reset emails per address"},
    {"auth.mfa.ip", "20/10m", "Second-factor attempts per client IP"},
    {"api.ip", "off", "Every authenticated route, per client IP"},
    {"api.user", "off", "Every authenticated route, per user or admin key"},
};

// One key per rule: ratelimit.<rule>, each with its own default.
const std::vector<config::Key<std::string>>& rule_keys() {
  static const std::vector<config::Key<std::string>> keys = [] {
    std::vector<config::Key<std::string>> out;
    for (const auto& r : kRules)
      out.push_back(kRateLimitRule.at(r.key, r.value, std::string(r.why) + ": \"N/PERIOD\" (s, m, h, d) or \"off\""));
    return out;
  }();
  return keys;
}

}  // namespace

void RateRules::declare(config::ConfigService& c) {
  c.declare(kRateLimitEnabled);
  for (const auto& k : rule_keys()) c.declare(k);
}

RateRules::RateRules(config::ConfigService& config, const Clock& clock, metrics::Registry* metrics)
    : config_(config), metrics_(metrics), limiter_(clock) {
  reload();
  watch_ = config_.watch("ratelimit.", [this](const std::string&) { reload(); });
}

RateRules::~RateRules() { config_.unwatch(watch_); }

void RateRules::reload() {
  auto rules = std::make_shared<Rules>();
  for (size_t i = 0; i < std::size(kRules); ++i) {
    const auto& key = rule_keys()[i];
    auto parsed = parse_rate_limit(config_.get(key), key.name());
    if (!parsed.ok()) {
      // Validation at set time makes this unreachable; keep the default then.
      spdlog::warn("ratelimit: {}", parsed.status().message());
      parsed = parse_rate_limit(kRules[i].value, key.name());
    }
    if (parsed->count > 0) rules->emplace(kRules[i].key, *parsed);
  }
  enabled_.store(config_.get(kRateLimitEnabled));
  api_rules_.store(rules->count("api.ip") > 0 || rules->count("api.user") > 0);
  rules_.store(std::move(rules));
}

Status RateRules::take(std::initializer_list<std::pair<std::string_view, std::string_view>> rule_keys,
                       Headers& headers) {
  if (!enabled()) return {};
  auto rules = rules_.load();
  Decision tightest{};
  bool any = false;
  Status st;
  for (const auto& [rule, key] : rule_keys) {
    auto it = rules->find(rule);
    if (it == rules->end()) continue;
    Decision d = limiter_.take(rule, it->second, key);
    // The headers describe the rule closest to refusing: a refusal first,
    // then the least remaining.
    bool tighter = !any || (!d.allowed && tightest.allowed) ||
                   (d.allowed == tightest.allowed && d.remaining < tightest.remaining);
    if (tighter) tightest = d;
    any = true;
    if (!d.allowed) {
      if (metrics_)
        metrics_->counter("sb_ratelimit_refused_total", "Requests refused by a rate-limit rule.",
                          {{"rule", std::string(rule)}})
            .inc();
      st = Status::exhausted("rate limit exceeded (" + std::string(rule) + "); retry after " +
                                 std::to_string((d.retry_after_ms + 999) / 1000) + " s",
                             d.retry_after_ms);
      break;
    }
  }
  if (any)
    for (auto& h : rate_limit_headers(tightest)) headers.push_back(std::move(h));
  return st;
}

}  // namespace sb::resilience
