// CircuitBreaker — stops calling a dependency that keeps failing, so callers
// fail over (or fail fast) instead of queueing behind timeouts.
//
//   closed    every call allowed; the outcomes of the last `window` calls are
//             kept (count-based sliding window). Once at least `min_calls` are
//             in the window and failures/calls >= failure_rate, it opens.
//   open      nothing allowed for `open_for` (steady time from the Clock).
//   half-open up to `half_open_calls` trial calls are allowed; any trial
//             failure reopens it, `half_open_calls` successes close it with an
//             empty window.
//
// Protocol: ask allow() before a call; if it said yes, report exactly one of
// record_success()/record_failure() when the call ends. Outcomes reported
// while open are ignored (calls that started before it opened).
//
// Thread-safe: every method takes mu_.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "core/clock.h"

namespace sb::resilience {

struct BreakerOptions {
  int window = 20;            // calls remembered while closed
  int min_calls = 10;         // calls in the window before it may open
  double failure_rate = 0.5;  // 0..1, opens at or above
  Millis open_for{30'000};
  int half_open_calls = 1;    // trial calls allowed (and successes needed) when half-open
};

enum class BreakerState { kClosed = 0, kHalfOpen = 1, kOpen = 2 };
const char* breaker_state_name(BreakerState s);

class CircuitBreaker {
 public:
  CircuitBreaker(BreakerOptions options, const Clock& clock);

  // True if a call may go ahead now (in half-open, takes one trial slot).
  bool allow();
  void record_success();
  void record_failure();

  BreakerState state() const;
  const BreakerOptions& options() const { return options_; }

 private:
  void advance_locked() const;  // open -> half-open once open_for has passed
  void open_locked() const;
  void close_locked() const;
  void push_locked(bool failed) const;

  // Immutable after construction.
  const BreakerOptions options_;
  const Clock& clock_;

  // Guarded by mu_ (mutable: state() applies the time-based transition).
  mutable std::mutex mu_;
  mutable BreakerState state_ = BreakerState::kClosed;
  mutable std::vector<uint8_t> ring_;  // 1 = failure; size <= window
  mutable size_t next_ = 0;            // ring_ slot to overwrite once full
  mutable int failures_ = 0;           // failures currently in ring_
  mutable int64_t opened_at_ms_ = 0;
  mutable int trials_started_ = 0;
  mutable int trial_successes_ = 0;
};

}  // namespace sb::resilience
