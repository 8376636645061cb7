#include "resilience/deadline.h"

#include <gtest/gtest.h>

namespace sb::resilience {
namespace {

TEST(Deadline, RemainingShrinksWithTheClockAndExpires) {
  ManualClock clock;
  Deadline d = Deadline::after(clock, Millis(1000));
  EXPECT_EQ(d.remaining().count(), 1000);
  EXPECT_FALSE(d.expired());
  clock.advance(Millis(400));
  EXPECT_EQ(d.remaining().count(), 600);
  clock.advance(Millis(599));
  EXPECT_FALSE(d.expired());
  clock.advance(Millis(1));
  EXPECT_TRUE(d.expired());
  EXPECT_EQ(d.remaining().count(), 0);
  clock.advance(Millis(5000));
  EXPECT_EQ(d.remaining().count(), 0);  // never negative
}

TEST(Deadline, UsesSteadyTimeNotWallTime) {
  ManualClock clock;
  Deadline d = Deadline::after(clock, Millis(100));
  clock.set_now_ms(0);  // a wall-clock jump must not expire or extend it
  EXPECT_EQ(d.remaining().count(), 100);
}

TEST(Deadline, NeverDoesNotExpire) {
  ManualClock clock;
  Deadline d = Deadline::never(clock);
  clock.advance(Millis(1'000'000'000));
  EXPECT_FALSE(d.expired());
  EXPECT_EQ(d.remaining(), Millis::max());
}

}  // namespace
}  // namespace sb::resilience
