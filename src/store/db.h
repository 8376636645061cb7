// store::Db — the one door to persistent state, over embedded SQLite or
// PostgreSQL. SQL is written once in the common subset of SQLite >= 3.40 and
// PostgreSQL 15, with `$1, $2, …` placeholders numbered in order of first use.
//
// Writes go through write()/write_async(): the callback runs inside a
// transaction on the engine's writer connection; concurrent writes are grouped
// into one commit (group commit, each in its own SAVEPOINT so one failing
// callback rolls back only its own changes). A write's completion is reported
// only after the commit that holds it is durable.
//
// Thread-safe. Tx objects are only valid inside the callback that received
// them and must not escape it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.h"

namespace sb::store {

enum class Engine { kSqlite, kPostgres };

using Value = std::variant<std::nullptr_t, int64_t, double, std::string>;
using Params = std::vector<Value>;

class Row {
 public:
  explicit Row(std::vector<Value> cols) : cols_(std::move(cols)) {}
  size_t size() const { return cols_.size(); }
  bool is_null(size_t i) const { return std::holds_alternative<std::nullptr_t>(cols_.at(i)); }
  int64_t int_at(size_t i) const;      // 0 for NULL; parses numeric text
  double real_at(size_t i) const;
  std::string text_at(size_t i) const;  // "" for NULL; formats numbers
  const Value& at(size_t i) const { return cols_.at(i); }

 private:
  std::vector<Value> cols_;
};
using Rows = std::vector<Row>;

class Tx {
 public:
  virtual ~Tx() = default;
  virtual Engine engine() const = 0;
  virtual Result<Rows> query(std::string_view sql, const Params& params = {}) = 0;
  // Returns the number of rows changed.
  virtual Result<int64_t> exec(std::string_view sql, const Params& params = {}) = 0;
  // Several statements without parameters (migrations).
  virtual Status exec_script(std::string_view sql) = 0;
  // Runs `fn` after the transaction holding this work has committed (never
  // if it rolls back). Used to wake tailers of the event log.
  void after_commit(std::function<void()> fn) { after_commit_.push_back(std::move(fn)); }
  std::vector<std::function<void()>> take_after_commit() { return std::move(after_commit_); }

 private:
  std::vector<std::function<void()>> after_commit_;
};

struct Options {
  // SQLite: "FULL" (default: acknowledged means fsync'd) or "NORMAL" (opt-in,
  // may lose the last transactions on power loss, never corrupts).
  std::string sqlite_synchronous = "FULL";
  int read_pool_size = 4;
  int pg_pool_size = 8;
  int busy_timeout_ms = 5000;
  size_t max_batch = 512;  // most write callbacks grouped into one commit
  // SQLite: the WAL length (in pages) past which the writer completes a
  // checkpoint so the WAL starts over (see SqliteConnection). Tests shorten it.
  int sqlite_wal_restart_frames = 8192;  // 32 MiB of 4 KiB pages
};

class Db {
 public:
  using TxFn = std::function<Status(Tx&)>;
  using Done = std::function<void(Status)>;

  virtual ~Db() = default;
  virtual Engine engine() const = 0;

  // Queues `fn` to run in a write transaction. `done` receives fn's own
  // failure, or the commit's outcome; it is called on a store thread and must
  // not block.
  virtual void write_async(TxFn fn, Done done) = 0;
  // Blocking form of write_async.
  Status write(TxFn fn);
  // Runs `fn` in a read-only snapshot on a pooled reader connection.
  virtual Status read(const TxFn& fn) = 0;
  // Cheap round trip for /ready.
  virtual Status ping() = 0;
  // Stops accepting writes, finishes queued ones, closes connections.
  virtual void close() = 0;
};

// Opens "sqlite:PATH" (or a plain path ending in .db), "postgresql://…" or
// "postgres://…". Does not apply migrations.
Result<std::unique_ptr<Db>> open(std::string_view url, const Options& options = {});

// Applies the numbered migrations compiled into the binary that are not yet
// recorded in schema_migrations, up to and including `up_to` (tests use it to
// build an older schema). Safe to call from several instances at once.
Status migrate(Db& db, int64_t up_to = INT64_MAX);
// Highest migration compiled in, and highest applied (for /ready).
int64_t latest_migration();
Result<int64_t> applied_migration(Db& db);

}  // namespace sb::store
