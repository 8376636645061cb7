// store::FaultInjectingDb over both real engines: a rolled-back write leaves
// nothing and runs no after-commit hook; a lost acknowledgement reports a
// failure although the row is there; paused writes complete only when
// resumed; an unavailable database refuses reads and writes.
#include <gtest/gtest.h>

#include <future>

#include "store/fault_injecting_db.h"
#include "test_databases.h"

namespace sb::store {
namespace {

struct FaultTest : ::testing::TestWithParam<Engine> {
  test::TestDb db = test::open_test_db(GetParam());
  FaultInjectingDb faulty{*db};

  void SetUp() override {
    ASSERT_TRUE(db->write([](Tx& tx) { return tx.exec("CREATE TABLE fault_t (x INTEGER)").status(); }));
  }
  Status insert(int x, bool* hook_ran = nullptr) {
    return faulty.write([x, hook_ran](Tx& tx) -> Status {
      if (hook_ran) tx.after_commit([hook_ran] { *hook_ran = true; });
      return tx.exec("INSERT INTO fault_t (x) VALUES ($1)", {int64_t{x}}).status();
    });
  }
  std::vector<int64_t> rows() {
    std::vector<int64_t> out;
    EXPECT_TRUE(db->read([&](Tx& tx) -> Status {
      SB_ASSIGN(auto rs, tx.query("SELECT x FROM fault_t ORDER BY x"));
      for (auto& r : rs) out.push_back(r.int_at(0));
      return {};
    }));
    return out;
  }
};

TEST_P(FaultTest, TheNthWriteRollsBackLeavingNothingAndRunningNoHook) {
  faulty.fail_write(2, FaultInjectingDb::Fault::kRollback);
  EXPECT_TRUE(insert(1));
  bool hook = false;
  Status failed = insert(2, &hook);
  EXPECT_EQ(failed.code(), Code::kUnavailable);
  EXPECT_FALSE(hook);
  EXPECT_TRUE(insert(3));  // one fault, then writes work again
  EXPECT_EQ(rows(), (std::vector<int64_t>{1, 3}));
}

TEST_P(FaultTest, ALostAcknowledgementReportsFailureButTheWriteIsDurable) {
  faulty.fail_write(1, FaultInjectingDb::Fault::kLostAck);
  bool hook = false;
  EXPECT_EQ(insert(7, &hook).code(), Code::kUnavailable);
  EXPECT_TRUE(hook);  // it did commit
  db.reopen();
  EXPECT_EQ(rows(), (std::vector<int64_t>{7}));
}

TEST_P(FaultTest, PausedWritesCompleteOnlyWhenResumed) {
  faulty.pause_writes();
  std::promise<Status> done;
  faulty.write_async([](Tx& tx) { return tx.exec("INSERT INTO fault_t (x) VALUES (5)").status(); },
                     [&](Status s) { done.set_value(s); });
  auto answer = done.get_future();
  EXPECT_EQ(answer.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  EXPECT_TRUE(rows().empty());
  faulty.resume_writes();
  EXPECT_TRUE(answer.get());
  EXPECT_EQ(rows(), (std::vector<int64_t>{5}));
}

TEST_P(FaultTest, AnUnavailableDatabaseRefusesReadsAndWrites) {
  faulty.set_unavailable(true);
  EXPECT_EQ(insert(1).code(), Code::kUnavailable);
  EXPECT_EQ(faulty.ping().code(), Code::kUnavailable);
  EXPECT_EQ(faulty.read([](Tx&) { return Status(); }).code(), Code::kUnavailable);
  faulty.set_unavailable(false);
  EXPECT_TRUE(insert(1));
  EXPECT_EQ(faulty.writes_seen(), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, FaultTest, ::testing::ValuesIn(test::all_engines()), test::engine_name);

}  // namespace
}  // namespace sb::store
