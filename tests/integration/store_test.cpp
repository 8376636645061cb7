// store::Db against a real SQLite file and a real PostgreSQL 15 server: the
// same tests run on both engines, plus a few PostgreSQL-only ones (sessions,
// reconnects, error semantics that differ from SQLite).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/db.h"
#include "store/migrations.h"
#include "store/postgres/pg_connection.h"
#include "support/test_databases.h"

namespace sb::store {
namespace {

using namespace std::chrono_literals;
using test::open_test_db;

// Upper bound for waiting on the store's own threads; only reached if the
// code under test is broken (it turns a hang into a failure).
constexpr auto kGuard = 60s;

// Writer connections per engine (SQLite: 1; PostgreSQL: 2). Tests that need
// every writer busy must know how many there are.
int writer_connections(Engine e) { return e == Engine::kPostgres ? 2 : 1; }

// Counts done callbacks; wait() returns false if they do not all arrive.
class Countdown {
 public:
  explicit Countdown(int n) : left_(n) {}
  void hit() {
    std::lock_guard lock(mu_);
    --left_;
    cv_.notify_all();
  }
  bool wait() {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kGuard, [&] { return left_ <= 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int left_;
};

// Occupies writer connections with callbacks that block until open(), so
// writes submitted meanwhile pile up in the queue and are then committed in
// batches (group commit) rather than one by one.
class WriterGate {
 public:
  WriterGate(Db& db, int writers) : state_(std::make_shared<State>()), writers_(writers) {
    for (int i = 0; i < writers; ++i) {
      db.write_async(
          [s = state_](Tx&) -> Status {
            std::unique_lock lock(s->mu);
            ++s->entered;
            s->cv.notify_all();
            s->cv.wait(lock, [&] { return s->open; });
            return {};
          },
          [s = state_](Status st) {
            std::lock_guard lock(s->mu);
            s->outcomes.push_back(std::move(st));
            s->cv.notify_all();
          });
      // Queue the next blocker only once this one holds a writer, so it goes
      // to an idle writer instead of into the same batch.
      std::unique_lock lock(state_->mu);
      state_->cv.wait_for(lock, kGuard, [&] {
        return state_->entered + static_cast<int>(state_->outcomes.size()) > i;
      });
    }
  }
  ~WriterGate() { open(); }

  bool held() {
    std::lock_guard lock(state_->mu);
    return state_->entered == writers_;
  }
  void open() {
    std::lock_guard lock(state_->mu);
    state_->open = true;
    state_->cv.notify_all();
  }
  // Outcomes of the blocking writes themselves (after open()).
  std::vector<Status> outcomes() {
    std::unique_lock lock(state_->mu);
    state_->cv.wait_for(lock, kGuard,
                        [&] { return static_cast<int>(state_->outcomes.size()) == writers_; });
    return state_->outcomes;
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    int entered = 0;
    bool open = false;
    std::vector<Status> outcomes;
  };
  std::shared_ptr<State> state_;
  int writers_;
};

// "k7" etc. (spelled out: GCC 12 warns falsely on "k" + std::to_string(i)).
std::string numbered(const char* prefix, int64_t i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

int64_t count(Db& db, const std::string& sql, const Params& params = {}) {
  int64_t n = -1;
  Status s = db.read([&](Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query(sql, params));
    if (rows.size() != 1) return Status::internal("expected one row");
    n = rows[0].int_at(0);
    return {};
  });
  EXPECT_TRUE(s) << s.to_string();
  return n;
}

Status put_config(Tx& tx, const std::string& key, const std::string& value = "v") {
  return tx.exec("INSERT INTO config_values (key, value, updated_at) VALUES ($1, $2, $3)",
                 {key, value, int64_t{1}})
      .status();
}

Status put_event(Tx& tx, int64_t sequence, const std::string& source, const std::string& id) {
  return tx
      .exec("INSERT INTO events (sequence, id, source, type, time_ms, envelope) "
            "VALUES ($1, $2, $3, 'test.event', 0, '{}')",
            {sequence, id, source})
      .status();
}

std::set<std::string> texts(Db& db, const std::string& sql) {
  std::set<std::string> out;
  Status s = db.read([&](Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query(sql));
    for (const auto& r : rows) out.insert(r.text_at(0));
    return {};
  });
  EXPECT_TRUE(s) << s.to_string();
  return out;
}

class StoreTest : public ::testing::TestWithParam<Engine> {};

TEST_P(StoreTest, MigrationsApplyOnceAndAreIdempotent) {
  auto db = test::open_blank_test_db(GetParam());
  EXPECT_EQ(db->engine(), GetParam());
  EXPECT_FALSE(applied_migration(*db).ok()) << "no schema_migrations table yet";

  ASSERT_TRUE(migrate(*db));
  ASSERT_GE(latest_migration(), 1);
  auto applied = applied_migration(*db);
  ASSERT_TRUE(applied.ok()) << applied.status().to_string();
  EXPECT_EQ(*applied, latest_migration());
  EXPECT_EQ(count(*db, "SELECT value FROM counters WHERE name = 'events'"), 0);

  Status again = migrate(*db);
  ASSERT_TRUE(again) << again.to_string();
  applied = applied_migration(*db);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, latest_migration());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM schema_migrations"),
            latest_migration());
  // The seed row of 0001 was inserted once, not once per migrate().
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM counters"), 1);
}

TEST_P(StoreTest, MigrationsSurviveAReopen) {
  auto db = open_test_db(GetParam());
  db.reopen();
  ASSERT_TRUE(migrate(*db));
  auto applied = applied_migration(*db);
  ASSERT_TRUE(applied.ok());
  EXPECT_EQ(*applied, latest_migration());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM schema_migrations"),
            latest_migration());
}

// Several instances starting at once each run migrate(); each migration must
// still be applied exactly once. (PostgreSQL: needs migrate() to take its
// advisory lock before CREATE TABLE IF NOT EXISTS schema_migrations, which
// otherwise races in the catalog: "duplicate key ... pg_type_typname_nsp_index".)
TEST_P(StoreTest, ConcurrentMigrationsApplyEachOnce) {
  auto db = test::open_blank_test_db(GetParam());
  constexpr int kInstances = 3;
  std::vector<std::unique_ptr<Db>> others;
  for (int i = 1; i < kInstances; ++i) {
    auto other = open(db.url());
    ASSERT_TRUE(other.ok()) << other.status().to_string();
    others.push_back(std::move(*other));
  }
  std::vector<Db*> all = {db.get()};
  for (auto& o : others) all.push_back(o.get());
  std::vector<Status> results(all.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < all.size(); ++i)
    threads.emplace_back([&, i] { results[i] = migrate(*all[i]); });
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s) << s.to_string();
  for (auto& o : others) o->close();
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM schema_migrations"),
            latest_migration());
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM counters"), 1);
}

TEST_P(StoreTest, ValuesRoundTripWithTheirTypes) {
  auto db = open_test_db(GetParam());
  ASSERT_TRUE(db->write([](Tx& tx) {
    return tx.exec_script("CREATE TABLE rt (id BIGINT PRIMARY KEY, i BIGINT, r DOUBLE PRECISION, t TEXT)");
  }));
  struct Case {
    Value i, r, t;
  };
  const std::vector<Case> cases = {
      {std::numeric_limits<int64_t>::max(), 3.141592653589793, std::string("plain")},
      {std::numeric_limits<int64_t>::min(), -0.5, std::string("")},
      {int64_t{0}, 1e300, std::string("it's \"quoted\" \\ back`tick; DROP TABLE rt; --")},
      {int64_t{-1}, 2.2250738585072014e-308, std::string("h\xC3\xA9llo w\xC3\xB6rld \xE2\x80\x94 \xE2\x9C\x93 "
                                                          "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\x8E\x89")},
      {(int64_t{1} << 53) + 1, 1.0 / 3, std::string("line1\nline2\ttab $1 '$2'")},
      {int64_t{42}, 42.0, std::string(100000, 'x')},
      {nullptr, nullptr, nullptr},
  };
  ASSERT_TRUE(db->write([&](Tx& tx) -> Status {
    for (size_t k = 0; k < cases.size(); ++k) {
      SB_ASSIGN(int64_t n, tx.exec("INSERT INTO rt (id, i, r, t) VALUES ($1, $2, $3, $4)",
                                   {static_cast<int64_t>(k), cases[k].i, cases[k].r, cases[k].t}));
      if (n != 1) return Status::internal("insert changed " + std::to_string(n) + " rows");
    }
    return {};
  }));

  Status s = db->read([&](Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT id, i, r, t FROM rt ORDER BY id"));
    EXPECT_EQ(rows.size(), cases.size());
    for (size_t k = 0; k < rows.size() && k < cases.size(); ++k) {
      SCOPED_TRACE(numbered("case ", k));
      const Row& row = rows[k];
      EXPECT_EQ(row.size(), 4u);
      if (row.size() != 4) continue;
      EXPECT_EQ(row.at(0), Value(static_cast<int64_t>(k)));
      EXPECT_EQ(row.at(1), cases[k].i);  // variant ==: same type and value
      EXPECT_EQ(row.at(2), cases[k].r);
      EXPECT_EQ(row.at(3), cases[k].t);
    }
    // NULL reads as null and as the accessors' zero values.
    const Row& nulls = rows.back();
    EXPECT_TRUE(nulls.is_null(1) && nulls.is_null(2) && nulls.is_null(3));
    EXPECT_EQ(nulls.int_at(1), 0);
    EXPECT_EQ(nulls.text_at(3), "");
    // Large integers work as parameters too, not only as values.
    SB_ASSIGN(auto found, tx.query("SELECT id FROM rt WHERE i = $1",
                                   {std::numeric_limits<int64_t>::min()}));
    EXPECT_EQ(found.size(), 1u);
    if (!found.empty()) {
      EXPECT_EQ(found[0].int_at(0), 1);
    }
    return {};
  });
  EXPECT_TRUE(s) << s.to_string();
}

TEST_P(StoreTest, PlaceholdersAreNumberedNotPositional) {
  auto db = open_test_db(GetParam());
  ASSERT_TRUE(db->write([](Tx& tx) -> Status {
    SB_TRY(put_config(tx, "a", "x"));
    SB_TRY(put_config(tx, "b", "y"));
    return {};
  }));
  Status s = db->read([](Tx& tx) -> Status {
    // $2 used before $1, and $1 used twice.
    SB_ASSIGN(auto rows, tx.query("SELECT key FROM config_values WHERE value = $2 AND (key = $1 OR "
                                  "key = $1 || 'never') ORDER BY key",
                                  {std::string("b"), std::string("y")}));
    EXPECT_EQ(rows.size(), 1u);
    if (!rows.empty()) {
      EXPECT_EQ(rows[0].text_at(0), "b");
    }
    return {};
  });
  EXPECT_TRUE(s) << s.to_string();
}

TEST_P(StoreTest, ExecReportsChangedRows) {
  auto db = open_test_db(GetParam());
  Status s = db->write([](Tx& tx) -> Status {
    for (const char* k : {"a", "b", "c"}) SB_TRY(put_config(tx, k));
    SB_ASSIGN(int64_t updated, tx.exec("UPDATE config_values SET value = $1", {std::string("w")}));
    EXPECT_EQ(updated, 3);
    SB_ASSIGN(int64_t none, tx.exec("DELETE FROM config_values WHERE key = $1", {std::string("zz")}));
    EXPECT_EQ(none, 0);
    SB_ASSIGN(int64_t one, tx.exec("DELETE FROM config_values WHERE key = $1", {std::string("a")}));
    EXPECT_EQ(one, 1);
    return {};
  });
  ASSERT_TRUE(s) << s.to_string();
  EXPECT_EQ(texts(*db, "SELECT key FROM config_values"), (std::set<std::string>{"b", "c"}));
}

TEST_P(StoreTest, FailedWriteLeavesNothingBehind) {
  auto db = open_test_db(GetParam());
  bool hook_ran = false;
  Status s = db->write([&](Tx& tx) -> Status {
    SB_TRY(put_config(tx, "doomed"));
    SB_TRY(put_event(tx, 1, "src", "e1"));
    SB_TRY(tx.exec("UPDATE counters SET value = value + 1 WHERE name = 'events'"));
    tx.after_commit([&] { hook_ran = true; });
    return Status::invalid("field", "deliberate failure");
  });
  // The callback's own status comes back unchanged.
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "field: deliberate failure");
  EXPECT_FALSE(hook_ran);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM config_values"), 0);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM events"), 0);
  EXPECT_EQ(count(*db, "SELECT value FROM counters WHERE name = 'events'"), 0);

  // The writer is usable afterwards.
  ASSERT_TRUE(db->write([](Tx& tx) { return put_config(tx, "next"); }));
  EXPECT_EQ(texts(*db, "SELECT key FROM config_values"), (std::set<std::string>{"next"}));
}

TEST_P(StoreTest, ConstraintViolationsAreConflicts) {
  auto db = open_test_db(GetParam());
  ASSERT_TRUE(db->write([](Tx& tx) -> Status {
    SB_TRY(put_config(tx, "k"));
    return put_event(tx, 1, "src", "e1");
  }));

  Status dup_pk = db->write([](Tx& tx) { return put_config(tx, "k", "other"); });
  EXPECT_EQ(dup_pk.code(), Code::kConflict) << dup_pk.to_string();
  Status dup_unique = db->write([](Tx& tx) { return put_event(tx, 2, "src", "e1"); });
  EXPECT_EQ(dup_unique.code(), Code::kConflict) << dup_unique.to_string();
  Status not_null = db->write([](Tx& tx) {
    return tx.exec("INSERT INTO config_values (key, value, updated_at) VALUES ($1, $2, $3)",
                   {std::string("n"), nullptr, int64_t{1}})
        .status();
  });
  EXPECT_EQ(not_null.code(), Code::kConflict) << not_null.to_string();
  // Not every error is a conflict.
  Status syntax = db->write([](Tx& tx) { return tx.exec("INSERT INTO nowhere VALUES (1)").status(); });
  EXPECT_FALSE(syntax);
  EXPECT_NE(syntax.code(), Code::kConflict);

  EXPECT_EQ(texts(*db, "SELECT value FROM config_values"), (std::set<std::string>{"v"}));
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM events"), 1);
}

// Many concurrent writes grouped into shared commits: each done callback must
// get its own job's outcome, failed jobs roll back only their own changes,
// and after_commit hooks run only (and before done) for committed jobs.
TEST_P(StoreTest, GroupCommitReportsEachWritesOwnOutcome) {
  const Engine engine = GetParam();
  auto db = open_test_db(engine);
  ASSERT_TRUE(db->write([](Tx& tx) { return put_event(tx, 1, "seed", "taken"); }));

  constexpr int kJobs = 200, kThreads = 4;
  enum Kind { kOk, kDuplicate, kReturnsError };
  auto kind_of = [](int i) { return i % 5 == 1 ? kDuplicate : i % 5 == 3 ? kReturnsError : kOk; };

  struct Slot {
    std::atomic<int> done_calls{0};
    std::atomic<int> hook_calls{0};
    int hooks_seen_by_done = -1;
    Status outcome;
    int64_t txid = 0;
  };
  std::vector<Slot> slots(kJobs);
  Countdown all_done(kJobs);

  WriterGate gate(*db, writer_connections(engine));
  ASSERT_TRUE(gate.held());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kJobs; i += kThreads) {
        db->write_async(
            [&, i](Tx& tx) -> Status {
              Slot& slot = slots[i];
              if (tx.engine() == Engine::kPostgres) {
                SB_ASSIGN(auto rows, tx.query("SELECT txid_current()"));
                slot.txid = rows.at(0).int_at(0);
              }
              SB_TRY(put_config(tx, numbered("k", i)));
              tx.after_commit([&slot] { ++slot.hook_calls; });
              switch (kind_of(i)) {
                case kDuplicate: return put_event(tx, 1000 + i, "seed", "taken");
                case kReturnsError:
                  SB_TRY(put_event(tx, 1000 + i, "job", numbered("e", i)));
                  return Status::invalid("job", numbered("deliberate ", i));
                case kOk: return put_event(tx, 1000 + i, "job", numbered("e", i));
              }
              return Status::internal("unreachable");
            },
            [&, i](Status s) {
              Slot& slot = slots[i];
              slot.hooks_seen_by_done = slot.hook_calls.load();
              slot.outcome = std::move(s);
              ++slot.done_calls;
              all_done.hit();
            });
      }
    });
  }
  for (auto& th : threads) th.join();
  gate.open();
  ASSERT_TRUE(all_done.wait()) << "not every write reported back";
  for (const Status& s : gate.outcomes()) EXPECT_TRUE(s) << s.to_string();

  std::set<std::string> want_keys, want_events;
  std::set<int64_t> txids;
  int successes = 0;
  for (int i = 0; i < kJobs; ++i) {
    SCOPED_TRACE(numbered("job ", i));
    const Slot& slot = slots[i];
    EXPECT_EQ(slot.done_calls.load(), 1);
    switch (kind_of(i)) {
      case kOk:
        EXPECT_TRUE(slot.outcome) << slot.outcome.to_string();
        EXPECT_EQ(slot.hook_calls.load(), 1);
        EXPECT_EQ(slot.hooks_seen_by_done, 1) << "after_commit hook must run before done";
        want_keys.insert(numbered("k", i));
        want_events.insert(numbered("e", i));
        txids.insert(slot.txid);
        ++successes;
        break;
      case kDuplicate:
        EXPECT_EQ(slot.outcome.code(), Code::kConflict) << slot.outcome.to_string();
        EXPECT_EQ(slot.hook_calls.load(), 0);
        break;
      case kReturnsError:
        EXPECT_EQ(slot.outcome.code(), Code::kInvalidArgument) << slot.outcome.to_string();
        EXPECT_EQ(slot.outcome.message(), numbered("job: deliberate ", i));
        EXPECT_EQ(slot.hook_calls.load(), 0);
        break;
    }
  }
  EXPECT_EQ(texts(*db, "SELECT key FROM config_values"), want_keys);
  EXPECT_EQ(texts(*db, "SELECT id FROM events WHERE source = 'job'"), want_events);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM events WHERE source = 'seed'"), 1);
  if (engine == Engine::kPostgres) {
    // Proof the writes really were grouped: they share transactions.
    EXPECT_LT(static_cast<int>(txids.size()), successes / 2);
  }
}

TEST_P(StoreTest, ReadSeesCommittedDataInASnapshot) {
  auto db = open_test_db(GetParam());
  ASSERT_TRUE(db->write([](Tx& tx) { return put_config(tx, "a", "1"); }));
  EXPECT_EQ(texts(*db, "SELECT value FROM config_values WHERE key = 'a'"), (std::set<std::string>{"1"}));

  Status s = db->read([&](Tx& tx) -> Status {
    SB_ASSIGN(auto before, tx.query("SELECT COUNT(*) FROM config_values"));
    // A write committed while this read is open stays invisible to it.
    Status w = db->write([](Tx& wtx) { return put_config(wtx, "b", "2"); });
    EXPECT_TRUE(w) << w.to_string();
    SB_ASSIGN(auto after, tx.query("SELECT COUNT(*) FROM config_values"));
    EXPECT_EQ(before.at(0).int_at(0), 1);
    EXPECT_EQ(after.at(0).int_at(0), 1);
    return {};
  });
  ASSERT_TRUE(s) << s.to_string();
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM config_values"), 2);
}

TEST_P(StoreTest, AfterCommitHooksRunOnlyForCommittedWrites) {
  auto db = open_test_db(GetParam());
  std::vector<std::string> ran;
  std::mutex mu;
  auto hook = [&](std::string name) {
    return [&, name] {
      std::lock_guard lock(mu);
      ran.push_back(name);
    };
  };
  ASSERT_TRUE(db->write([&](Tx& tx) -> Status {
    tx.after_commit(hook("first"));
    tx.after_commit(hook("second"));
    return put_config(tx, "a");
  }));
  EXPECT_FALSE(db->write([&](Tx& tx) -> Status {
    tx.after_commit(hook("conflict"));
    return put_config(tx, "a");
  }));
  EXPECT_FALSE(db->write([&](Tx& tx) -> Status {
    tx.after_commit(hook("error"));
    return Status::internal("no");
  }));
  std::lock_guard lock(mu);
  EXPECT_EQ(ran, (std::vector<std::string>{"first", "second"}));
}

TEST_P(StoreTest, CloseFinishesQueuedWritesThenRejects) {
  const Engine engine = GetParam();
  auto db = open_test_db(engine);
  constexpr int kQueued = 50;
  std::vector<Status> outcomes(kQueued, Status::internal("never reported"));
  Countdown queued_done(kQueued);
  std::atomic<int> probes_ok{0}, probes_rejected{0};
  int probes = 0;
  Status rejection;
  {
    WriterGate gate(*db, writer_connections(engine));
    ASSERT_TRUE(gate.held());
    for (int i = 0; i < kQueued; ++i)
      db->write_async([i](Tx& tx) { return put_config(tx, numbered("q", i)); },
                      [&, i](Status s) {
                        outcomes[i] = std::move(s);
                        queued_done.hit();
                      });
    std::thread closer([&] { db->close(); });
    // close() has begun once a new write is refused; until then each probe
    // is just one more queued write that close() must also finish.
    while (probes_rejected.load() == 0) {
      ++probes;
      db->write_async([](Tx&) { return Status(); },
                      [&](Status s) {
                        if (s) {
                          ++probes_ok;
                        } else {
                          rejection = s;
                          ++probes_rejected;
                        }
                      });
      std::this_thread::yield();
    }
    // Every queued write is still waiting behind the gate.
    EXPECT_EQ(std::count_if(outcomes.begin(), outcomes.end(),
                            [](const Status& s) { return s.message() != "never reported"; }),
              0);
    gate.open();
    closer.join();
  }
  EXPECT_EQ(rejection.code(), Code::kUnavailable) << rejection.to_string();
  EXPECT_EQ(probes_rejected.load(), 1);
  EXPECT_EQ(probes_ok.load(), probes - 1);
  ASSERT_TRUE(queued_done.wait());
  for (int i = 0; i < kQueued; ++i) EXPECT_TRUE(outcomes[i]) << i << ": " << outcomes[i].to_string();
  EXPECT_EQ(db->read([](Tx&) { return Status(); }).code(), Code::kUnavailable);

  db.reopen();
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM config_values"), kQueued);
}

INSTANTIATE_TEST_SUITE_P(Engines, StoreTest, ::testing::ValuesIn(test::all_engines()), test::engine_name);

// ---- PostgreSQL only -------------------------------------------------------

// Under steady writes the WAL must start over instead of growing without
// bound: passive checkpoints alone never let SQLite restart it, so the file
// (and every fsync's work, and page lookups) kept growing. 400 commits of
// ~60 KB write ~25 MB of WAL frames; with a restart every 64 pages the file
// never gets anywhere near that.
TEST(SqliteStoreTest, TheWalStartsOverUnderSteadyWrites) {
  Options options;
  options.sqlite_wal_restart_frames = 64;
  auto db = open_test_db(Engine::kSqlite, options);
  ASSERT_EQ(db.url().rfind("sqlite:", 0), 0u);
  std::filesystem::path wal = db.url().substr(7) + "-wal";
  const std::string blob(60000, 'x');
  std::uintmax_t largest = 0;
  for (int i = 0; i < 400; ++i) {
    Status s = db->write([&](Tx& tx) -> Status {
      return tx.exec("INSERT INTO config_values (key, value, updated_at) VALUES ($1, $2, 0)",
                     {"k" + std::to_string(i), blob})
          .status();
    });
    ASSERT_TRUE(s) << s.to_string();
    std::error_code ec;
    auto size = std::filesystem::file_size(wal, ec);
    if (!ec) largest = std::max(largest, size);
  }
  EXPECT_GT(largest, 0u) << "the WAL file was never seen";
  EXPECT_LT(largest, std::uintmax_t{8} << 20) << "WAL grew to " << largest << " bytes";
  // And nothing was lost on the way.
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM config_values"), 400);
}

TEST(PostgresStoreTest, OpenFailureIsUnavailableAndHidesThePassword) {
  const std::string port = std::to_string(test::free_port());
  for (const std::string& url :
       {"postgresql://sbtest:Sup3rS3cret@127.0.0.1:" + port + "/postgres",
        "postgres://sbtest:Sup3rS3cret@127.0.0.1:" + port + "/postgres?connect_timeout=5",
        "postgresql://sbtest@127.0.0.1:" + port + "/postgres?password=Sup3rS3cret"}) {
    auto db = open(url);
    ASSERT_FALSE(db.ok()) << url;
    EXPECT_EQ(db.status().code(), Code::kUnavailable) << db.status().to_string();
    EXPECT_EQ(db.status().message().find("Sup3rS3cret"), std::string::npos) << db.status().message();
    EXPECT_NE(db.status().message().find("127.0.0.1"), std::string::npos) << db.status().message();
  }
}

TEST(PostgresStoreTest, RedactUrlHidesEveryFormOfPassword) {
  EXPECT_EQ(redact_url("postgresql://u:p%40ss@h:5432/db"), "postgresql://u:***@h:5432/db");
  EXPECT_EQ(redact_url("postgresql://u@h/db?sslmode=require&password=pw"),
            "postgresql://u@h/db?sslmode=require&password=***");
  EXPECT_EQ(redact_url("host=h password='a b' user=u"), "host=h password=*** user=u");
  EXPECT_EQ(redact_url("postgresql://h/db"), "postgresql://h/db");
  EXPECT_EQ(scrub_password("bad token p@ss", "postgresql://u:p%40ss@h/db"), "bad token ***");
}

TEST(PostgresStoreTest, SessionsAreDurableAndNamed) {
  auto db = open_test_db(Engine::kPostgres);
  auto check = [](Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT current_setting('synchronous_commit'), "
                                  "current_setting('application_name')"));
    EXPECT_EQ(rows.at(0).text_at(0), "on");
    EXPECT_EQ(rows.at(0).text_at(1), "switchboard");
    return {};
  };
  ASSERT_TRUE(db->write(check));
  Status s = db->read([&](Tx& tx) -> Status {
    SB_TRY(check(tx));
    SB_ASSIGN(auto rows, tx.query("SELECT current_setting('transaction_isolation'), "
                                  "current_setting('transaction_read_only')"));
    EXPECT_EQ(rows.at(0).text_at(0), "repeatable read");
    EXPECT_EQ(rows.at(0).text_at(1), "on");
    return {};
  });
  EXPECT_TRUE(s) << s.to_string();
  EXPECT_TRUE(db->ping());
}

TEST(PostgresStoreTest, ReadsCannotWrite) {
  auto db = open_test_db(Engine::kPostgres);
  Status s = db->read([](Tx& tx) { return put_config(tx, "x"); });
  EXPECT_FALSE(s);
  EXPECT_NE(s.code(), Code::kConflict);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM config_values"), 0);
}

TEST(PostgresStoreTest, TypedResultColumns) {
  auto db = open_test_db(Engine::kPostgres);
  Status s = db->read([](Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT 7::smallint, 8::integer, 9::bigint, 1.5::real, 2.5::float8, "
                                  "true, false, 12.5::numeric, NULL::bigint, 'Infinity'::float8"));
    const Row& r = rows.at(0);
    EXPECT_EQ(r.at(0), Value(int64_t{7}));
    EXPECT_EQ(r.at(1), Value(int64_t{8}));
    EXPECT_EQ(r.at(2), Value(int64_t{9}));
    EXPECT_EQ(r.at(3), Value(1.5));
    EXPECT_EQ(r.at(4), Value(2.5));
    EXPECT_EQ(r.at(5), Value(int64_t{1}));
    EXPECT_EQ(r.at(6), Value(int64_t{0}));
    EXPECT_EQ(r.at(7), Value(std::string("12.5")));  // numeric keeps its digits as text
    EXPECT_TRUE(r.is_null(8));
    EXPECT_EQ(r.at(9), Value(std::numeric_limits<double>::infinity()));
    return {};
  });
  EXPECT_TRUE(s) << s.to_string();
}

// On PostgreSQL a failed statement aborts the whole transaction, unlike on
// SQLite. A callback that swallows the error must not be told "committed".
TEST(PostgresStoreTest, SwallowedStatementErrorIsNotReportedAsCommitted) {
  auto db = open_test_db(Engine::kPostgres);
  ASSERT_TRUE(db->write([](Tx& tx) { return put_config(tx, "a"); }));
  Status s = db->write([](Tx& tx) -> Status {
    SB_TRY(put_config(tx, "b"));
    (void)put_config(tx, "a");  // conflict, ignored
    return {};
  });
  EXPECT_FALSE(s) << "a rolled-back transaction was acknowledged";
  EXPECT_EQ(texts(*db, "SELECT key FROM config_values"), (std::set<std::string>{"a"}));
  ASSERT_TRUE(db->write([](Tx& tx) { return put_config(tx, "c"); }));
  EXPECT_EQ(texts(*db, "SELECT key FROM config_values"), (std::set<std::string>{"a", "c"}));
}

// Same inside a group commit: whatever happens to the batch, no write may be
// acknowledged unless its row was committed.
TEST(PostgresStoreTest, SwallowedErrorInABatchNeverAcknowledgesLostWrites) {
  auto db = open_test_db(Engine::kPostgres);
  ASSERT_TRUE(db->write([](Tx& tx) { return put_config(tx, "taken"); }));
  constexpr int kJobs = 6;
  std::vector<Status> outcomes(kJobs);
  Countdown done(kJobs);
  {
    WriterGate gate(*db, writer_connections(Engine::kPostgres));
    ASSERT_TRUE(gate.held());
    for (int i = 0; i < kJobs; ++i)
      db->write_async(
          [i](Tx& tx) -> Status {
            SB_TRY(put_config(tx, numbered("k", i)));
            if (i == 2) (void)put_config(tx, "taken");  // conflict, ignored
            return {};
          },
          [&, i](Status s) {
            outcomes[i] = std::move(s);
            done.hit();
          });
  }
  ASSERT_TRUE(done.wait());
  auto present = texts(*db, "SELECT key FROM config_values");
  EXPECT_FALSE(outcomes[2]) << "job 2's own insert was rolled back";
  for (int i = 0; i < kJobs; ++i) {
    if (outcomes[i]) {
      EXPECT_TRUE(present.count(numbered("k", i))) << "job " << i << " acked but lost";
    }
  }
}

// A prepared "SELECT *" whose table gained a column fails once on
// PostgreSQL; the connection must then re-prepare instead of failing forever.
TEST(PostgresStoreTest, StatementIsRepreparedAfterASchemaChange) {
  Options options;
  options.pg_pool_size = 1;  // every read uses the same cached statement
  auto db = open_test_db(Engine::kPostgres, options);
  ASSERT_TRUE(db->write([](Tx& tx) -> Status {
    SB_TRY(tx.exec_script("CREATE TABLE wide (a BIGINT)"));
    return tx.exec("INSERT INTO wide (a) VALUES (1)").status();
  }));
  auto columns = [&]() -> Result<size_t> {
    size_t n = 0;
    Status s = db->read([&](Tx& tx) -> Status {
      SB_ASSIGN(auto rows, tx.query("SELECT * FROM wide"));
      n = rows.at(0).size();
      return {};
    });
    if (!s) return s;
    return n;
  };
  auto before = columns();
  ASSERT_TRUE(before.ok()) << before.status().to_string();
  EXPECT_EQ(*before, 1u);
  ASSERT_TRUE(db->write([](Tx& tx) { return tx.exec_script("ALTER TABLE wide ADD COLUMN b TEXT"); }));
  auto after = columns();
  if (!after.ok()) after = columns();  // the first attempt may hit the stale plan
  ASSERT_TRUE(after.ok()) << after.status().to_string();
  EXPECT_EQ(*after, 2u);
}

TEST(PostgresStoreTest, ReconnectsAfterTheServerDropsConnections) {
  Options options;
  options.pg_pool_size = 2;
  auto db = open_test_db(Engine::kPostgres, options);
  // Terminate every other session of this database (the other writer and
  // both readers); the timeout argument waits until each has really exited.
  Status killed = db->write([](Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                                  "WHERE datname = current_database() AND pid <> pg_backend_pid()"));
    EXPECT_EQ(rows.size(), 3u);
    for (const auto& r : rows) EXPECT_EQ(r.int_at(0), 1);
    return {};
  });
  ASSERT_TRUE(killed) << killed.to_string();

  for (int i = 0; i < 3; ++i) {
    Status r = db->read([](Tx& tx) { return tx.query("SELECT 1").status(); });
    EXPECT_TRUE(r) << r.to_string();
  }
  EXPECT_TRUE(db->ping());
  // Both writers must take a write: the gate holds each of them in turn.
  {
    WriterGate gate(*db, 2);
    EXPECT_TRUE(gate.held()) << "a writer connection did not recover";
    gate.open();
    for (const Status& s : gate.outcomes()) EXPECT_TRUE(s) << s.to_string();
  }
  ASSERT_TRUE(db->write([](Tx& tx) { return put_config(tx, "after"); }));
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM config_values"), 1);
}

}  // namespace
}  // namespace sb::store
