// The `<channel>.*` keys every channel declares (Channel's constructor) and
// reads when it rebuilds its chain, which any change under "<channel>."
// triggers: all hot. `<channel>.providers` is declared by Channel itself: its
// check needs the channel's registry.
#pragma once

#include "config/key.h"

namespace sb::providers {

using config::between;
using config::Family;

inline const Family<int64_t> kRetryMaxAttempts{"{}.retry.max_attempts", 3, "Calls per provider before failing over",
                                               between(1, 10), config::hot};
inline const Family<int64_t> kRetryBaseDelayMs{"{}.retry.base_delay_ms", 200, "First retry delay ceiling (full jitter)",
                                               between(0, 60'000), config::hot};
inline const Family<int64_t> kRetryMaxDelayMs{"{}.retry.max_delay_ms", 5'000, "Retry delay ceiling",
                                              between(0, 600'000), config::hot};
inline const Family<int64_t> kBreakerWindow{"{}.breaker.window", 20, "Calls remembered per provider", between(1, 1000),
                                            config::hot};
inline const Family<int64_t> kBreakerMinCalls{"{}.breaker.min_calls", 5, "Calls in the window before the breaker may open",
                                              between(1, 1000), config::hot};
inline const Family<double> kBreakerFailureRate{"{}.breaker.failure_rate", 0.5, "Failure share that opens the breaker",
                                                between(0.01, 1.0), config::hot};
inline const Family<int64_t> kBreakerOpenMs{"{}.breaker.open_ms", 30'000, "How long an open breaker skips its provider",
                                            between(0, 3'600'000), config::hot};
inline const Family<int64_t> kBreakerHalfOpenCalls{"{}.breaker.half_open_calls", 1,
                                                   "Trial calls (and successes to close) when half-open",
                                                   between(1, 100), config::hot};
inline const Family<int64_t> kConnectTimeoutMs{"{}.connect_timeout_ms", 5'000, "Provider connect timeout",
                                               between(1, 600'000), config::hot};
inline const Family<int64_t> kTimeoutMs{"{}.timeout_ms", 15'000, "Provider request timeout, whole call",
                                        between(1, 600'000), config::hot};

}  // namespace sb::providers
