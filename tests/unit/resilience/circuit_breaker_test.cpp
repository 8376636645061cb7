#include "resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sb::resilience {
namespace {

BreakerOptions small() {
  return {.window = 4, .min_calls = 4, .failure_rate = 0.5, .open_for = Millis(1000),
          .half_open_calls = 2};
}

void fail(CircuitBreaker& b, int n) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(b.allow());
    b.record_failure();
  }
}
void succeed(CircuitBreaker& b, int n) {
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(b.allow());
    b.record_success();
  }
}

TEST(CircuitBreaker, StaysClosedUntilMinimumCallsEvenIfAllFail) {
  ManualClock clock;
  CircuitBreaker b(small(), clock);
  fail(b, 3);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  fail(b, 1);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_FALSE(b.allow());
}

TEST(CircuitBreaker, OpensAtTheFailureRateOverTheWindow) {
  ManualClock clock;
  CircuitBreaker b(small(), clock);
  succeed(b, 2);
  fail(b, 1);
  EXPECT_EQ(b.state(), BreakerState::kClosed);  // 3 calls < min_calls
  fail(b, 1);                                   // 2/4 = 0.5 >= 0.5
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, WindowSlidesSoOldFailuresAreForgotten) {
  ManualClock clock;
  CircuitBreaker b({.window = 4, .min_calls = 4, .failure_rate = 0.75, .open_for = Millis(1000)},
                   clock);
  fail(b, 2);
  succeed(b, 2);  // window F F S S: 0.5
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  succeed(b, 2);  // window S S S S: the two failures slid out
  fail(b, 2);     // S S F F: 0.5 < 0.75
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  fail(b, 1);     // S F F F: 0.75
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, HalfOpenAfterOpenDurationAllowsOnlyTrialCalls) {
  ManualClock clock;
  CircuitBreaker b(small(), clock);
  fail(b, 4);
  clock.advance(Millis(999));
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_FALSE(b.allow());
  clock.advance(Millis(1));
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  EXPECT_TRUE(b.allow());
  EXPECT_TRUE(b.allow());
  EXPECT_FALSE(b.allow());  // only half_open_calls = 2 trials
}

TEST(CircuitBreaker, TrialSuccessesCloseWithAFreshWindow) {
  ManualClock clock;
  CircuitBreaker b(small(), clock);
  fail(b, 4);
  clock.advance(Millis(1000));
  ASSERT_TRUE(b.allow());
  ASSERT_TRUE(b.allow());
  b.record_success();
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);  // needs both trials to succeed
  b.record_success();
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  fail(b, 3);  // the old failures are gone: 3 calls < min_calls
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(CircuitBreaker, TrialFailureReopensForAnotherFullDuration) {
  ManualClock clock;
  CircuitBreaker b(small(), clock);
  fail(b, 4);
  clock.advance(Millis(1500));
  ASSERT_TRUE(b.allow());
  b.record_failure();
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  clock.advance(Millis(999));
  EXPECT_FALSE(b.allow());
  clock.advance(Millis(1));
  EXPECT_TRUE(b.allow());
}

TEST(CircuitBreaker, OutcomesReportedWhileOpenAreIgnored) {
  ManualClock clock;
  CircuitBreaker b(small(), clock);
  fail(b, 4);
  b.record_success();  // a call that started before it opened
  b.record_success();
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, ConcurrentCallersSeeAConsistentCount) {
  ManualClock clock;
  CircuitBreaker b({.window = 1000, .min_calls = 1000, .failure_rate = 1.0,
                    .open_for = Millis(1000)},
                   clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 250; ++i)
        if (b.allow()) b.record_failure();
    });
  }
  for (auto& t : threads) t.join();
  // Exactly the 1000th failure opens it: a lost update would leave it closed.
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(CircuitBreaker, StateNames) {
  EXPECT_STREQ(breaker_state_name(BreakerState::kHalfOpen), "half-open");
  EXPECT_EQ(static_cast<int>(BreakerState::kOpen), 2);
}

}  // namespace
}  // namespace sb::resilience
