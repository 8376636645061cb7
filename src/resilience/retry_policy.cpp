#include "resilience/retry_policy.h"

#include <algorithm>
#include <random>
#include <thread>

namespace sb::resilience {

RetryPolicy::RetryPolicy(RetryOptions options, Random random, Predicate retryable)
    : options_(options),
      random_(random ? std::move(random) : default_random()),
      retryable_(retryable ? std::move(retryable)
                           : Predicate([](const Status& s) { return s.retryable(); })) {}

Millis RetryPolicy::ceiling(int failures) const {
  const int64_t base = std::max<int64_t>(0, options_.base_delay.count());
  const int64_t cap = std::max<int64_t>(0, options_.max_delay.count());
  int64_t d = base;
  // Double step by step so a large attempt count saturates instead of overflowing.
  for (int i = 1; i < failures && d < cap; ++i) d = d > cap / 2 ? cap : d * 2;
  return Millis(std::min(d, cap));
}

Millis RetryPolicy::backoff(int failures) const {
  const int64_t hi = ceiling(failures).count();
  if (hi <= 0) return Millis(0);
  return Millis(std::clamp<int64_t>(random_(hi), 0, hi));
}

RetryPolicy::Sleeper RetryPolicy::thread_sleeper() {
  return [](Millis d) {
    if (d.count() > 0) std::this_thread::sleep_for(d);
  };
}

RetryPolicy::Random RetryPolicy::default_random() {
  return [](int64_t hi) -> int64_t {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::uniform_int_distribution<int64_t>(0, hi)(rng);
  };
}

}  // namespace sb::resilience
