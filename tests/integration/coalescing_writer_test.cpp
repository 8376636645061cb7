// store::CoalescingWriter on both engines: items submitted while a write is
// in flight go together in the next one, each caller gets its own slice of
// the results, and one bad item in a group fails alone.
#include <gtest/gtest.h>

#include <future>

#include "store/coalescing_writer.h"
#include "store/fault_injecting_db.h"
#include "test_databases.h"

namespace sb::store {
namespace {

struct CoalescingTest : ::testing::TestWithParam<Engine> {
  test::TestDb db = test::open_test_db(GetParam());
  FaultInjectingDb faulty{*db};
  std::mutex mu;
  std::vector<size_t> groups;  // guarded by mu
  // Each item is a list of numbers: one row (and one result) each; a
  // negative number makes the whole write fail.
  CoalescingWriter<std::vector<int64_t>, int64_t> writer{
      faulty,
      [](Tx& tx, std::vector<std::vector<int64_t>*>& items) -> Result<std::vector<int64_t>> {
        std::vector<int64_t> out;
        for (auto* item : items)
          for (int64_t x : *item) {
            if (x < 0) return Status::invalid("/x", "negative");
            SB_TRY(tx.exec("INSERT INTO coalesce_t (x) VALUES ($1)", {x}).status());
            out.push_back(x * 10);
          }
        return out;
      },
      CoalescingOptions{},
      [this](size_t weight) {
        std::lock_guard lock(mu);
        groups.push_back(weight);
      }};

  void SetUp() override {
    ASSERT_TRUE(db->write([](Tx& tx) { return tx.exec("CREATE TABLE coalesce_t (x INTEGER)").status(); }));
  }
  std::future<Result<std::vector<int64_t>>> submit(std::vector<int64_t> item) {
    auto p = std::make_shared<std::promise<Result<std::vector<int64_t>>>>();
    auto f = p->get_future();
    size_t n = item.size();
    writer.submit(std::move(item), n, [p](Result<std::vector<int64_t>> r) { p->set_value(std::move(r)); });
    return f;
  }
  std::vector<int64_t> rows() {
    std::vector<int64_t> out;
    EXPECT_TRUE(db->read([&](Tx& tx) -> Status {
      SB_ASSIGN(auto rs, tx.query("SELECT x FROM coalesce_t ORDER BY x"));
      for (auto& r : rs) out.push_back(r.int_at(0));
      return {};
    }));
    return out;
  }
};

TEST_P(CoalescingTest, ItemsQueuedBehindAWriteGoTogetherAndEachGetsItsOwnResults) {
  faulty.pause_writes();
  auto first = submit({1});          // its write is held
  auto a = submit({2, 3});           // these wait for it ...
  auto b = submit({4});
  EXPECT_EQ(faulty.writes_seen(), 1);  // ... without writes of their own
  faulty.resume_writes();
  ASSERT_TRUE(first.get().ok());
  auto ra = a.get();
  auto rb = b.get();
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_EQ(*ra, (std::vector<int64_t>{20, 30}));
  EXPECT_EQ(*rb, (std::vector<int64_t>{40}));
  EXPECT_EQ(faulty.writes_seen(), 2);  // one write for the three items behind the first
  std::lock_guard lock(mu);
  EXPECT_EQ(groups, (std::vector<size_t>{1, 3}));
}

TEST_P(CoalescingTest, ABadItemFailsAloneAndTheOthersInItsGroupAreWritten) {
  faulty.pause_writes();
  auto first = submit({1});
  auto good = submit({2});
  auto bad = submit({-3});
  auto also_good = submit({4});
  faulty.resume_writes();
  EXPECT_TRUE(first.get().ok());
  EXPECT_TRUE(good.get().ok());
  auto r = bad.get();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(also_good.get().ok());
  EXPECT_EQ(rows(), (std::vector<int64_t>{1, 2, 4}));
}

INSTANTIATE_TEST_SUITE_P(Engines, CoalescingTest, ::testing::ValuesIn(test::all_engines()), test::engine_name);

}  // namespace
}  // namespace sb::store
