// Deadline — a point in steady (monotonic) time taken from an injectable
// Clock, so code that must give up "by then" can be tested by stepping a
// ManualClock instead of sleeping. A value type; copies share nothing but the
// Clock, which must outlive them. Thread-safe to read.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/clock.h"

namespace sb::resilience {

class Deadline {
 public:
  // `budget` from now on `clock`.
  static Deadline after(const Clock& clock, Millis budget) {
    return Deadline(clock, clock.steady_ms() + budget.count());
  }
  // A deadline that never expires (remaining() is Millis::max()).
  static Deadline never(const Clock& clock) {
    return Deadline(clock, std::numeric_limits<int64_t>::max());
  }

  // Time left, never negative.
  Millis remaining() const {
    if (at_ms_ == std::numeric_limits<int64_t>::max()) return Millis::max();
    return Millis(std::max<int64_t>(0, at_ms_ - clock_->steady_ms()));
  }
  bool expired() const { return clock_->steady_ms() >= at_ms_; }
  // The steady-clock instant (ms) at which it expires.
  int64_t at_steady_ms() const { return at_ms_; }

 private:
  Deadline(const Clock& clock, int64_t at_ms) : clock_(&clock), at_ms_(at_ms) {}
  const Clock* clock_;
  int64_t at_ms_;
};

}  // namespace sb::resilience
