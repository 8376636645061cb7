#include "resilience/retry_policy.h"

#include <gtest/gtest.h>

#include <vector>

namespace sb::resilience {
namespace {

// Records requested delays instead of sleeping.
struct Recorder {
  std::vector<int64_t> delays;
  RetryPolicy::Sleeper sleeper() {
    return [this](Millis d) { delays.push_back(d.count()); };
  }
};

RetryPolicy::Random always_max() { return [](int64_t hi) { return hi; }; }
RetryPolicy::Random always_zero() { return [](int64_t) { return int64_t{0}; }; }

TEST(RetryPolicy, CeilingDoublesFromBaseAndIsCappedAtMax) {
  RetryPolicy p({.max_attempts = 10, .base_delay = Millis(100), .max_delay = Millis(1000)});
  EXPECT_EQ(p.ceiling(1).count(), 100);
  EXPECT_EQ(p.ceiling(2).count(), 200);
  EXPECT_EQ(p.ceiling(3).count(), 400);
  EXPECT_EQ(p.ceiling(4).count(), 800);
  EXPECT_EQ(p.ceiling(5).count(), 1000);
  EXPECT_EQ(p.ceiling(500).count(), 1000);  // no overflow for absurd counts
}

TEST(RetryPolicy, FullJitterAsksRandomForTheWholeRangeFromZero) {
  std::vector<int64_t> asked;
  RetryPolicy p({.max_attempts = 4, .base_delay = Millis(50), .max_delay = Millis(150)},
                [&](int64_t hi) {
                  asked.push_back(hi);
                  return hi / 2;
                });
  EXPECT_EQ(p.backoff(1).count(), 25);
  EXPECT_EQ(p.backoff(2).count(), 50);
  EXPECT_EQ(p.backoff(3).count(), 75);
  EXPECT_EQ(asked, (std::vector<int64_t>{50, 100, 150}));
}

TEST(RetryPolicy, OutOfRangeRandomIsClamped) {
  RetryPolicy p({.max_attempts = 2, .base_delay = Millis(10), .max_delay = Millis(10)},
                [](int64_t hi) { return hi + 1000; });
  EXPECT_EQ(p.backoff(1).count(), 10);
}

TEST(RetryPolicy, DefaultRandomStaysWithinRange) {
  RetryPolicy p({.max_attempts = 2, .base_delay = Millis(7), .max_delay = Millis(7)});
  for (int i = 0; i < 200; ++i) {
    auto d = p.backoff(1).count();
    ASSERT_GE(d, 0);
    ASSERT_LE(d, 7);
  }
}

TEST(RetryPolicy, RetriesRetryableErrorsUpToMaxAttemptsWithBackoff) {
  RetryPolicy p({.max_attempts = 4, .base_delay = Millis(100), .max_delay = Millis(250)},
                always_max());
  Recorder rec;
  int calls = 0, attempts = 0;
  Status s = p.run(
      [&] {
        ++calls;
        return Status::unavailable("down");
      },
      rec.sleeper(), &attempts);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(attempts, 4);
  // Three waits between four calls: 100, 200, then capped at 250.
  EXPECT_EQ(rec.delays, (std::vector<int64_t>{100, 200, 250}));
}

TEST(RetryPolicy, StopsAtFirstSuccessAndReturnsItsValue) {
  RetryPolicy p({.max_attempts = 5}, always_zero());
  Recorder rec;
  int calls = 0, attempts = 0;
  Result<int> r = p.run(
      [&]() -> Result<int> {
        if (++calls < 3) return Status::unavailable("503");
        return 42;
      },
      rec.sleeper(), &attempts);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(rec.delays.size(), 2u);
}

TEST(RetryPolicy, NonRetryableErrorIsNotRetried) {
  RetryPolicy p({.max_attempts = 5}, always_zero());
  Recorder rec;
  int calls = 0;
  Status s = p.run(
      [&] {
        ++calls;
        return Status::invalid("/to", "must be an email address");
      },
      rec.sleeper());
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(calls, 1);
  EXPECT_TRUE(rec.delays.empty());
}

TEST(RetryPolicy, CustomPredicateDecidesWhatIsRetried) {
  RetryPolicy p({.max_attempts = 3}, always_zero(),
                [](const Status& s) { return s.code() == Code::kConflict; });
  int calls = 0;
  Status s = p.run([&] { return ++calls == 1 ? Status::conflict("busy") : Status::unavailable("x"); },
                   [](Millis) {});
  EXPECT_EQ(calls, 2);  // conflict retried, unavailable (not in predicate) returned
  EXPECT_EQ(s.code(), Code::kUnavailable);
}

TEST(RetryPolicy, ZeroOrNegativeMaxAttemptsStillCallsOnce) {
  RetryPolicy p({.max_attempts = 0});
  int calls = 0;
  Status s = p.run([&] { ++calls; return Status::unavailable("x"); }, [](Millis) {});
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(s.is_ok());
}

TEST(RetryPolicy, DoesNotStartARetryThatWouldEndPastTheDeadline) {
  ManualClock clock;
  RetryPolicy p({.max_attempts = 10, .base_delay = Millis(100), .max_delay = Millis(100)},
                always_max());
  Deadline deadline = Deadline::after(clock, Millis(250));
  int calls = 0;
  std::vector<int64_t> delays;
  Status s = p.run(
      [&] {
        ++calls;
        return Status::unavailable("x");
      },
      [&](Millis d) {
        delays.push_back(d.count());
        clock.advance(d);  // the "sleep" moves time, nothing waits
      },
      nullptr, &deadline);
  // t=0 call, wait 100, t=100 call, wait 100, t=200 call; 50 ms left < 100 -> stop.
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(delays, (std::vector<int64_t>{100, 100}));
  EXPECT_EQ(s.code(), Code::kUnavailable);
}

}  // namespace
}  // namespace sb::resilience
