// WakeBatch: wakes made while a thread completes a group run once the group
// is done, not in the middle of it (and at once when no group is open).
#include "core/wake_batch.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace sb {
namespace {

TEST(WakeBatch, WithoutABatchAWakeRunsAtOnce) {
  int woken = 0;
  WakeBatch::run_or_defer([&] { ++woken; });
  EXPECT_EQ(woken, 1);
}

TEST(WakeBatch, WakesInsideABatchRunInOrderWhenTheOutermostBatchEnds) {
  std::vector<int> order;
  {
    WakeBatch outer;
    WakeBatch::run_or_defer([&] { order.push_back(1); });
    {
      WakeBatch inner;
      WakeBatch::run_or_defer([&] { order.push_back(2); });
    }
    EXPECT_TRUE(order.empty()) << "an inner batch ending must not flush the outer one";
    WakeBatch::run_or_defer([&] { order.push_back(3); });
  }
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
  // The batch is gone: the next wake runs at once again.
  WakeBatch::run_or_defer([&] { order.push_back(4); });
  EXPECT_EQ(order.size(), 4u);
}

TEST(WakeBatch, FlushRunsTheWakesSoFarAndKeepsTheBatchOpen) {
  int woken = 0;
  {
    WakeBatch batch;
    WakeBatch::run_or_defer([&] { ++woken; });
    WakeBatch::flush();
    EXPECT_EQ(woken, 1);
    WakeBatch::run_or_defer([&] { ++woken; });
    EXPECT_EQ(woken, 1) << "still inside the batch";
  }
  EXPECT_EQ(woken, 2);
}

TEST(WakeBatch, ABatchOnOneThreadDoesNotHoldAnotherThreadsWakes) {
  WakeBatch here;
  int woken = 0;
  std::thread([&] { WakeBatch::run_or_defer([&] { ++woken; }); }).join();
  EXPECT_EQ(woken, 1);
}

TEST(WakeBatch, AWakeMadeWhileFlushingRunsToo) {
  int second = 0;
  {
    WakeBatch batch;
    WakeBatch::run_or_defer([&] { WakeBatch::run_or_defer([&] { ++second; }); });
  }
  EXPECT_EQ(second, 1);
}

}  // namespace
}  // namespace sb
