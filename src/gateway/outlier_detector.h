// OutlierDetector — per upstream instance ("host:port"), whether the gateway
// may send it requests. An instance that fails `consecutive_failures` times
// in a row (5xx, connect failure, timeout) is ejected for a growing interval
// (routes.h OutlierPolicy) and comes back on its own when it ends: no admin
// action, unlike a tripped Kong upstream. Also counts each instance's
// outstanding requests for least-requests balancing.
//
// Time comes from the injected Clock (steady_ms), so tests step a
// ManualClock. Thread-safe: one mutex around a small map; each call holds it
// for a lookup.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "gateway/routes.h"

namespace sb::metrics { class Registry; }

namespace sb::gateway {

struct InstanceStatus {
  std::string key;
  int consecutive_failures = 0;
  int ejections = 0;            // the current multiplier (decays while in rotation)
  int64_t ejected_for_ms = 0;   // > 0 while ejected: time left
  int64_t outstanding = 0;
  int64_t total_ejections = 0;
};

class OutlierDetector {
 public:
  // `metrics` may be null.
  OutlierDetector(const Clock& clock, metrics::Registry* metrics);

  bool ejected(const std::string& key) const;
  // The outcome of one finished attempt. Returns true when it ejected the
  // instance. consecutive_failures == 0 in the policy disables ejection.
  bool record(const std::string& key, bool failed, const OutlierPolicy& policy);
  void begin(const std::string& key);  // an attempt starts (outstanding + 1)
  void end(const std::string& key);    // … and ends
  int64_t outstanding(const std::string& key) const;
  std::vector<InstanceStatus> status() const;

 private:
  struct State {
    int consecutive_failures = 0;
    int ejections = 0;
    int64_t ejected_until_ms = 0;
    int64_t returned_at_ms = 0;  // when the last ejection ended (for decay)
    int64_t outstanding = 0;
    int64_t total_ejections = 0;
  };
  const Clock& clock_;
  metrics::Registry* metrics_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, State> states_;  // guarded by mu_
};

}  // namespace sb::gateway
