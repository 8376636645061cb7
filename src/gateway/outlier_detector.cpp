#include "gateway/outlier_detector.h"

#include <algorithm>

#include "core/metrics.h"

namespace sb::gateway {

OutlierDetector::OutlierDetector(const Clock& clock, metrics::Registry* metrics) : clock_(clock), metrics_(metrics) {}

bool OutlierDetector::ejected(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = states_.find(key);
  return it != states_.end() && clock_.steady_ms() < it->second.ejected_until_ms;
}

bool OutlierDetector::record(const std::string& key, bool failed, const OutlierPolicy& policy) {
  int64_t now = clock_.steady_ms();
  std::lock_guard lock(mu_);
  State& s = states_[key];
  if (!failed) {
    s.consecutive_failures = 0;
    return false;
  }
  // Answers that were in flight when it was ejected do not extend the ejection.
  if (now < s.ejected_until_ms) return false;
  if (policy.consecutive_failures <= 0 || ++s.consecutive_failures < policy.consecutive_failures) return false;
  // Time spent back in rotation earns forgiveness: one step per base interval.
  if (s.ejections > 0 && s.returned_at_ms > 0) {
    int64_t healthy_ms = now - s.returned_at_ms;
    s.ejections = static_cast<int>(std::max<int64_t>(0, s.ejections - healthy_ms / policy.base_ejection_ms));
  }
  ++s.ejections;
  int64_t interval = policy.base_ejection_ms;
  for (int i = 1; i < s.ejections && interval < policy.max_ejection_ms; ++i) interval *= 2;
  interval = std::min(interval, policy.max_ejection_ms);
  s.ejected_until_ms = now + interval;
  s.returned_at_ms = s.ejected_until_ms;
  s.consecutive_failures = 0;
  ++s.total_ejections;
  if (metrics_)
    metrics_->counter("sb_gateway_ejections_total", "Upstream instances ejected for consecutive failures.",
                      {{"instance", key}})
        .inc();
  return true;
}

void OutlierDetector::begin(const std::string& key) {
  std::lock_guard lock(mu_);
  ++states_[key].outstanding;
}

void OutlierDetector::end(const std::string& key) {
  std::lock_guard lock(mu_);
  --states_[key].outstanding;
}

int64_t OutlierDetector::outstanding(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = states_.find(key);
  return it == states_.end() ? 0 : it->second.outstanding;
}

std::vector<InstanceStatus> OutlierDetector::status() const {
  int64_t now = clock_.steady_ms();
  std::lock_guard lock(mu_);
  std::vector<InstanceStatus> out;
  for (const auto& [key, s] : states_)
    out.push_back({key, s.consecutive_failures, s.ejections, std::max<int64_t>(0, s.ejected_until_ms - now),
                   s.outstanding, s.total_ejections});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
  return out;
}

}  // namespace sb::gateway
