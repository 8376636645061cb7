// One sqlite3 handle with a prepared-statement cache. The only file pair in
// the tree that includes sqlite3.h. Not thread-safe: owned by one thread at a
// time (the writer thread, or a reader checked out of the pool).
#pragma once

#include <sqlite3.h>

#include <string>
#include <unordered_map>
#include <vector>

#include "store/write_batcher.h"

namespace sb::store {

class SqliteConnection final : public WriterConnection {
 public:
  static Result<std::unique_ptr<SqliteConnection>> open(const std::string& path, bool readonly,
                                                        const Options& options);
  ~SqliteConnection() override;

  Engine engine() const override { return Engine::kSqlite; }
  Result<Rows> query(std::string_view sql, const Params& params) override;
  Result<int64_t> exec(std::string_view sql, const Params& params) override;
  Status exec_script(std::string_view sql) override;
  Status raw(const char* sql) override;
  const char* begin_sql() const override { return "BEGIN IMMEDIATE"; }

 private:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  static int on_wal_commit(void* self, sqlite3* db, const char* name, int frames);
  Result<sqlite3_stmt*> prepare(std::string_view sql, const Params& params);
  Status error(const char* what) const;

  struct Prepared {
    sqlite3_stmt* stmt;
    std::vector<int> slot;  // slot[k] = SQLite's index for "$k+1", 0 if unused
  };
  sqlite3* db_;
  std::unordered_map<std::string, Prepared> cache_;
  int wal_restart_frames_ = 0;  // WAL length at which a commit finishes the checkpoint
  int next_wal_attempt_ = 0;    // frames; after an attempt readers held back
};

}  // namespace sb::store
