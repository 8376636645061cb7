// Fresh, isolated databases for tests, on either engine:
//
//   class FooTest : public ::testing::TestWithParam<sb::store::Engine> {};
//   TEST_P(FooTest, Works) {
//     auto db = sb::test::open_test_db(GetParam());   // migrated, empty
//     ASSERT_TRUE(db->write(...));
//   }
//   INSTANTIATE_TEST_SUITE_P(Engines, FooTest, ::testing::ValuesIn(sb::test::all_engines()),
//                            sb::test::engine_name);
//
// open_test_db returns a TestDb: it owns the store::Db (use it through -> or *)
// and whatever backs it, and cleans up in order when it goes out of scope
// (closes the Db, then deletes the SQLite file's temp dir or drops the
// PostgreSQL database). SQLite: a new file in a fresh TempDir. PostgreSQL: a
// new database (CREATE DATABASE t_<n>) on one real PostgreSQL 15 server per
// test process, started on first use and stopped at exit.
//
// Failure to set a database up throws std::runtime_error, which gtest reports
// as a failure of the calling test with the reason (e.g. the server log).
//
// Thread-safe.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "store/db.h"
#include "temp_dir.h"

namespace sb::test {

class TestDb {
 public:
  TestDb(TestDb&& other) noexcept;
  TestDb& operator=(TestDb&&) = delete;
  ~TestDb();

  store::Db* operator->() const { return db_.get(); }
  store::Db& operator*() const { return *db_; }
  store::Db* get() const { return db_.get(); }
  store::Engine engine() const { return engine_; }
  // URL of this database, for store::open() of a second, independent handle
  // (close such handles before the TestDb goes away).
  const std::string& url() const { return url_; }

  // Closes the Db and opens the same database again (restart, durability).
  // Throws std::runtime_error if it cannot be reopened.
  void reopen(const store::Options& options = {});
  // Closes the Db but keeps the data until the TestDb is destroyed.
  void close();

 private:
  friend TestDb open_blank_test_db(store::Engine, const store::Options&);
  TestDb() = default;

  store::Engine engine_ = store::Engine::kSqlite;
  std::string url_;
  std::string pg_database_;        // dropped on destruction (PostgreSQL)
  std::unique_ptr<TempDir> dir_;   // holds the file (SQLite); outlives db_
  std::unique_ptr<store::Db> db_;  // declared last: destroyed first
};

// A new database with every migration applied.
TestDb open_test_db(store::Engine engine, const store::Options& options = {});
// A new, empty database without migrations (for migration tests).
TestDb open_blank_test_db(store::Engine engine, const store::Options& options = {});

// Every engine the store supports; each store test runs on all of them.
std::vector<store::Engine> all_engines();
// Test-name suffix for INSTANTIATE_TEST_SUITE_P: "Sqlite", "Postgres".
std::string engine_name(const ::testing::TestParamInfo<store::Engine>& info);
const char* engine_label(store::Engine engine);

}  // namespace sb::test

namespace sb::store {
// Lets gtest print an Engine in failure messages (found by ADL).
inline void PrintTo(Engine engine, std::ostream* os) { *os << sb::test::engine_label(engine); }
}  // namespace sb::store
