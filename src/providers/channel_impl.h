// Channel<Kind>'s member definitions, included at the end of channel.h.
#pragma once

#include <spdlog/spdlog.h>

#include <algorithm>
#include <concepts>
#include <set>

#include "core/metrics.h"
#include "providers/channel_keys.h"
#include "providers/sender.h"
#include "resilience/circuit_breaker.h"

namespace sb::providers {

template <typename K>
struct Channel<K>::Link {
  std::string name;
  std::unique_ptr<typename K::Sender> sender;
  std::unique_ptr<resilience::CircuitBreaker> breaker;
  // Series in the metrics registry (which outlives us); null without metrics.
  metrics::Counter* sent = nullptr;
  metrics::Counter* failed = nullptr;
  metrics::Counter* skipped = nullptr;
  metrics::Gauge* state = nullptr;

  void publish_state() const {
    if (state) state->set(static_cast<double>(breaker->state()));
  }
};

template <typename K>
struct Channel<K>::Chain {
  std::vector<Link> links;
  resilience::RetryPolicy retry;
  resilience::BreakerOptions breaker;
  // Providers named by a send but not in the chain, built on first use and
  // dropped with this snapshot when the configuration changes.
  mutable std::mutex extra_mu;
  mutable std::map<std::string, std::unique_ptr<Link>> extra;  // guarded by extra_mu
};

namespace channel_detail {
inline std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Whether a sender delivers to this message's kind of recipient. Senders
// with a serves() (push: Web Push, FCM, APNs targets) are asked; the others
// serve every message of their channel.
template <typename S, typename M>
bool serves(const S& sender, const M& m) {
  if constexpr (requires { { sender.serves(m) } -> std::convertible_to<bool>; }) return sender.serves(m);
  else return true;
}

}  // namespace channel_detail
using channel_detail::join;

template <typename K>
Channel<K>::Channel(config::ConfigService& config, const Clock& clock, metrics::Registry* metrics, Sleeper sleeper,
                   Random random)
    : name_(K::kName),
      config_(config),
      clock_(clock),
      metrics_(metrics),
      sleeper_(sleeper ? std::move(sleeper) : resilience::RetryPolicy::thread_sleeper()),
      random_(random ? std::move(random) : resilience::RetryPolicy::default_random()),
      registry_(std::make_shared<Registry<typename K::Sender>>(name_, config)),
      // Checked against the registry at set time, so a PUT naming an unknown
      // provider is refused with this key in the error.
      providers_key_(name_ + ".providers", {"console"}, "Active " + name_ + " providers in failover order", config::hot,
                     [reg = registry_](const std::vector<std::string>& names) -> std::optional<std::string> {
                       if (names.empty()) return "must name at least one provider";
                       std::set<std::string> seen;
                       for (const auto& name : names) {
                         if (!reg->contains(name)) return reg->unknown_message(name);
                         if (!seen.insert(name).second) return "lists \"" + name + "\" twice";
                       }
                       return std::nullopt;
                     }) {
  const std::string& n = name_;
  config_.declare(providers_key_);
  config_.declare(kRetryMaxAttempts(n), kRetryBaseDelayMs(n), kRetryMaxDelayMs(n));
  config_.declare(kBreakerWindow(n), kBreakerMinCalls(n), kBreakerFailureRate(n), kBreakerOpenMs(n),
                  kBreakerHalfOpenCalls(n));
  config_.declare(kConnectTimeoutMs(n), kTimeoutMs(n));
  watch_id_ = config_.watch(n + ".", [this](const std::string&) { (void)reload(); });
}

template <typename K>
Channel<K>::~Channel() {
  config_.unwatch(watch_id_);
}

template <typename K>
Result<std::shared_ptr<const typename Channel<K>::Chain>> Channel<K>::build() const {
  const std::string& key = providers_key_.name();
  std::vector<std::string> names = config_.get(providers_key_);
  if (names.empty()) return Status::invalid(key, "must name at least one provider");
  const std::string& n = name_;
  resilience::RetryOptions ro{.max_attempts = static_cast<int>(config_.get(kRetryMaxAttempts, n)),
                              .base_delay = Millis(config_.get(kRetryBaseDelayMs, n)),
                              .max_delay = Millis(config_.get(kRetryMaxDelayMs, n))};
  resilience::BreakerOptions bo{.window = static_cast<int>(config_.get(kBreakerWindow, n)),
                                .min_calls = static_cast<int>(config_.get(kBreakerMinCalls, n)),
                                .failure_rate = config_.get(kBreakerFailureRate, n),
                                .open_for = Millis(config_.get(kBreakerOpenMs, n)),
                                .half_open_calls = static_cast<int>(config_.get(kBreakerHalfOpenCalls, n))};
  auto chain = std::make_shared<Chain>();
  chain->retry = resilience::RetryPolicy(ro, random_);
  chain->breaker = bo;
  std::set<std::string> seen;
  for (const auto& name : names) {
    if (!seen.insert(name).second) return Status::invalid(key, "lists \"" + name + "\" twice");
    auto link = make_link(name, bo);
    if (!link.ok()) {
      const Status& s = link.status();
      if (s.code() == Code::kNotFound) return Status::invalid(key, s.message());
      return s;  // names the provider's own key, e.g. email.sendgrid.api_key
    }
    chain->links.push_back(std::move(link).value());
  }
  return std::shared_ptr<const Chain>(std::move(chain));
}

template <typename K>
Result<typename Channel<K>::Link> Channel<K>::make_link(const std::string& name,
                                                      const resilience::BreakerOptions& bo) const {
  SB_ASSIGN(auto sender, registry_->create(name, config_));
  Link link;
  link.name = name;
  link.sender = std::move(sender);
  link.breaker = std::make_unique<resilience::CircuitBreaker>(bo, clock_);
  if (metrics_) {
    const char* help = "Provider sends by channel, provider and outcome (sent, failed, skipped)";
    auto labels = [&](const char* outcome) {
      return metrics::Labels{{"channel", name_}, {"provider", name}, {"outcome", outcome}};
    };
    link.sent = &metrics_->counter("sb_provider_sends_total", help, labels("sent"));
    link.failed = &metrics_->counter("sb_provider_sends_total", help, labels("failed"));
    link.skipped = &metrics_->counter("sb_provider_sends_total", help, labels("skipped"));
    link.state = &metrics_->gauge("sb_provider_breaker_state", "Circuit breaker state: 0 closed, 1 half-open, 2 open",
                                  {{"channel", name_}, {"provider", name}});
  }
  return link;
}

template <typename K>
Result<const typename Channel<K>::Link*> Channel<K>::link_for(const Chain& chain, const std::string& provider) const {
  for (const Link& l : chain.links)
    if (l.name == provider) return &l;
  std::lock_guard lock(chain.extra_mu);
  auto it = chain.extra.find(provider);
  if (it != chain.extra.end()) return it->second.get();
  auto link = make_link(provider, chain.breaker);
  if (!link.ok()) {
    // Unknown, or its settings are incomplete: the caller named it, so the
    // error is the caller's field.
    return Status::invalid("/provider", link.status().message());
  }
  auto owned = std::make_unique<Link>(std::move(link).value());
  const Link* out = owned.get();
  chain.extra.emplace(provider, std::move(owned));
  return out;
}

template <typename K>
Status Channel<K>::reload() {
  std::lock_guard lock(reload_mu_);
  auto built = build();
  if (!built.ok()) {
    last_reload_ = built.status();
    spdlog::warn("{}: configuration refused, keeping providers [{}]: {}", name_, join(active()),
                 last_reload_.to_string());
    return last_reload_;
  }
  std::shared_ptr<const Chain> next = std::move(built).value();
  for (const auto& link : next->links) link.publish_state();
  chain_.store(std::move(next));
  last_reload_ = Status();
  spdlog::info("{}: providers now [{}]", name_, join(active()));
  return {};
}

template <typename K>
Status Channel<K>::last_reload() const {
  std::lock_guard lock(reload_mu_);
  return last_reload_;
}

template <typename K>
std::vector<std::string> Channel<K>::active() const {
  std::vector<std::string> out;
  if (auto chain = chain_.load())
    for (const auto& l : chain->links) out.push_back(l.name);
  return out;
}

template <typename K>
Status Channel<K>::try_link(const Chain& chain, const Link& link, const typename K::Message& m, Receipt& r) const {
  if (!link.breaker->allow()) {
    if (link.skipped) link.skipped->inc();
    link.publish_state();
    return Status::unavailable(link.name + ": circuit open");
  }
  const int max = std::max(1, chain.retry.options().max_attempts);
  Status last;
  for (int attempt = 1;; ++attempt) {
    ++r.attempts;
    Result<std::string> res = link.sender->send(m);
    if (res.ok()) {
      link.breaker->record_success();
      if (link.sent) link.sent->inc();
      link.publish_state();
      r.provider = link.name;
      r.message_id = std::move(res).value();
      return {};
    }
    last = res.status();
    // A rejected message or a gone recipient is an answer from a healthy
    // provider; only the provider's own trouble (down, slow, bad
    // credentials) counts against it.
    if (last.code() == Code::kInvalidArgument || last.code() == Code::kNotFound) link.breaker->record_success();
    else link.breaker->record_failure();
    if (attempt >= max || !chain.retry.is_retryable(last)) break;
    sleeper_(chain.retry.backoff(attempt));
    if (!link.breaker->allow()) break;  // opened meanwhile: fail over now
  }
  if (link.failed) link.failed->inc();
  link.publish_state();
  return last;
}

template <typename K>
Result<Receipt> Channel<K>::send(const typename K::Message& m, const std::string& provider) const {
  // Held for the whole send: a concurrent reload cannot pull it away.
  std::shared_ptr<const Chain> chain = chain_.load();
  if (!chain || chain->links.empty()) {
    Status why = last_reload();
    return Status::unavailable("no " + name_ + " provider is active" +
                               (why.is_ok() ? "" : ": " + why.message()));
  }
  Receipt r;
  if (!provider.empty()) {
    SB_ASSIGN(const Link* link, link_for(*chain, provider));
    if (!channel_detail::serves(*link->sender, m))
      return Status::invalid("/to", "provider " + provider + " does not deliver to this kind of recipient");
    SB_TRY(try_link(*chain, *link, m, r));
    return r;
  }
  std::vector<std::string> errors;
  Status first;
  bool transient = false;
  bool served = false;
  for (const Link& link : chain->links) {
    // A provider for another kind of recipient (an APNs token reaching the
    // webpush link) is passed over silently: not a failure, not a failover.
    if (!channel_detail::serves(*link.sender, m)) continue;
    served = true;
    Status s = try_link(*chain, link, m, r);
    if (s.is_ok()) {
      if (!r.failed_over_from.empty())
        spdlog::info("{}: delivered by {} after {} failed", name_, link.name, join(r.failed_over_from));
      return r;
    }
    // The recipient is gone (sender.h): no other provider can deliver to it,
    // and the caller must see NotFound to forget it.
    if (s.code() == Code::kNotFound) {
      spdlog::info("{}: provider {}: recipient gone: {}", name_, link.name, s.message());
      return s;
    }
    spdlog::warn("{}: provider {} failed: {}", name_, link.name, s.to_string());
    r.failed_over_from.push_back(link.name);
    errors.push_back(s.message());
    transient = transient || s.retryable();
    if (first.is_ok()) first = s;
  }
  if (!served) {
    std::vector<std::string> names;
    for (const Link& l : chain->links) names.push_back(l.name);
    return Status::invalid("/to", "none of the " + name_ + " providers [" + join(names) +
                                      "] delivers to this kind of recipient; add one that does to " + name_ +
                                      ".providers");
  }
  std::string msg = "all " + name_ + " providers failed: " + join(errors, "; ");
  if (transient) return Status::unavailable(msg);
  return Status(first.code(), msg, first.fields());
}


}  // namespace sb::providers
