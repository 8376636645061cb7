#include "resilience/circuit_breaker.h"

#include <algorithm>

namespace sb::resilience {

const char* breaker_state_name(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed: return "closed";
    case BreakerState::kHalfOpen: return "half-open";
    case BreakerState::kOpen: return "open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(BreakerOptions options, const Clock& clock)
    : options_([&] {
        options.window = std::max(1, options.window);
        options.min_calls = std::clamp(options.min_calls, 1, options.window);
        options.half_open_calls = std::max(1, options.half_open_calls);
        return options;
      }()),
      clock_(clock) {
  ring_.reserve(static_cast<size_t>(options_.window));
}

void CircuitBreaker::advance_locked() const {
  if (state_ == BreakerState::kOpen &&
      clock_.steady_ms() - opened_at_ms_ >= options_.open_for.count()) {
    state_ = BreakerState::kHalfOpen;
    trials_started_ = 0;
    trial_successes_ = 0;
  }
}

void CircuitBreaker::open_locked() const {
  state_ = BreakerState::kOpen;
  opened_at_ms_ = clock_.steady_ms();
  ring_.clear();
  next_ = 0;
  failures_ = 0;
}

void CircuitBreaker::close_locked() const {
  state_ = BreakerState::kClosed;
  ring_.clear();
  next_ = 0;
  failures_ = 0;
}

void CircuitBreaker::push_locked(bool failed) const {
  const size_t window = static_cast<size_t>(options_.window);
  if (ring_.size() < window) {
    ring_.push_back(failed);
  } else {
    failures_ -= ring_[next_];
    ring_[next_] = failed;
    next_ = (next_ + 1) % window;
  }
  failures_ += failed;
  const int calls = static_cast<int>(ring_.size());
  if (calls >= options_.min_calls &&
      static_cast<double>(failures_) >= options_.failure_rate * calls) {
    open_locked();
  }
}

bool CircuitBreaker::allow() {
  std::lock_guard lock(mu_);
  advance_locked();
  switch (state_) {
    case BreakerState::kClosed: return true;
    case BreakerState::kOpen: return false;
    case BreakerState::kHalfOpen:
      if (trials_started_ >= options_.half_open_calls) return false;
      ++trials_started_;
      return true;
  }
  return false;
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mu_);
  advance_locked();
  switch (state_) {
    case BreakerState::kClosed: push_locked(false); break;
    case BreakerState::kOpen: break;
    case BreakerState::kHalfOpen:
      if (++trial_successes_ >= options_.half_open_calls) close_locked();
      break;
  }
}

void CircuitBreaker::record_failure() {
  std::lock_guard lock(mu_);
  advance_locked();
  switch (state_) {
    case BreakerState::kClosed: push_locked(true); break;
    case BreakerState::kOpen: break;
    case BreakerState::kHalfOpen: open_locked(); break;
  }
}

BreakerState CircuitBreaker::state() const {
  std::lock_guard lock(mu_);
  advance_locked();
  return state_;
}

}  // namespace sb::resilience
