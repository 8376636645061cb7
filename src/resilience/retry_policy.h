// RetryPolicy — bounded retries with exponential backoff and FULL jitter
// (the delay before retry n is uniform in [0, min(max_delay, base*2^n)]), as
// recommended for clients that hit a shared dependency at the same time.
//
// Both sources of nondeterminism are injected: the random source picks the
// jittered delay and the Sleeper waits it out, so tests record the requested
// delays and never sleep. Which failures are worth retrying is a predicate
// (default: Status::retryable(), i.e. Unavailable/DeadlineExceeded/Exhausted).
//
// Immutable after construction; run() is thread-safe when the injected
// callables are (the default random source is per-thread).
#pragma once

#include <cstdint>
#include <functional>
#include <type_traits>

#include "core/clock.h"
#include "core/result.h"
#include "resilience/deadline.h"

namespace sb::resilience {

struct RetryOptions {
  int max_attempts = 3;  // total calls, including the first; <1 is treated as 1
  Millis base_delay{100};
  Millis max_delay{10'000};
};

class RetryPolicy {
 public:
  // Returns a value uniformly distributed in [0, hi] (inclusive).
  using Random = std::function<int64_t(int64_t hi)>;
  using Predicate = std::function<bool(const Status&)>;
  using Sleeper = std::function<void(Millis)>;

  explicit RetryPolicy(RetryOptions options = {}, Random random = {}, Predicate retryable = {});

  const RetryOptions& options() const { return options_; }

  // The ceiling for the delay after `failures` failed attempts (1-based):
  // min(max_delay, base_delay * 2^(failures-1)).
  Millis ceiling(int failures) const;
  // A jittered delay in [0, ceiling(failures)].
  Millis backoff(int failures) const;
  bool is_retryable(const Status& s) const { return retryable_(s); }

  // Calls fn() until it succeeds, fails with a non-retryable error, or
  // max_attempts calls were made; sleeps backoff() between calls through
  // `sleep`. Returns the last result. `attempts` (optional) receives the number
  // of calls made. With a `deadline`, no retry is started whose delay would end
  // past it. fn returns Status or Result<T>.
  template <typename Fn>
  auto run(Fn&& fn, const Sleeper& sleep, int* attempts = nullptr,
           const Deadline* deadline = nullptr) const -> std::invoke_result_t<Fn&> {
    const int max = options_.max_attempts < 1 ? 1 : options_.max_attempts;
    for (int n = 1;; ++n) {
      auto r = fn();
      if (attempts) *attempts = n;
      if (r || n >= max || !retryable_(detail::status_of(r))) return r;
      Millis delay = backoff(n);
      if (deadline && deadline->remaining() <= delay) return r;
      if (sleep) sleep(delay);
    }
  }

  // Sleeps the calling thread (production).
  static Sleeper thread_sleeper();
  // Per-thread std::mt19937_64 seeded from std::random_device.
  static Random default_random();

 private:
  RetryOptions options_;
  Random random_;
  Predicate retryable_;
};

}  // namespace sb::resilience
