#include "store/sqlite/sqlite_connection.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace sb::store {

Result<std::unique_ptr<SqliteConnection>> SqliteConnection::open(const std::string& path,
                                                                 bool readonly,
                                                                 const Options& options) {
  sqlite3* db = nullptr;
  int flags = (readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::unavailable("sqlite open " + path + ": " + msg);
  }
  std::unique_ptr<SqliteConnection> conn(new SqliteConnection(db));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  if (!readonly) {
    SB_TRY(conn->raw("PRAGMA journal_mode=WAL"));
    std::string sync = "PRAGMA synchronous=" + options.sqlite_synchronous;
    SB_TRY(conn->raw(sync.c_str()));
    SB_TRY(conn->raw("PRAGMA foreign_keys=ON"));
    // Checkpoints run on a background connection (SqliteDb), not in the commit path.
    SB_TRY(conn->raw("PRAGMA wal_autocheckpoint=0"));
    SB_TRY(conn->raw("PRAGMA journal_size_limit=67108864"));
    conn->wal_restart_frames_ = std::max(1, options.sqlite_wal_restart_frames);
    conn->next_wal_attempt_ = conn->wal_restart_frames_;
    sqlite3_wal_hook(db, &SqliteConnection::on_wal_commit, conn.get());
  }
  return conn;
}

SqliteConnection::~SqliteConnection() {
  for (auto& [_, p] : cache_) sqlite3_finalize(p.stmt);
  sqlite3_close(db_);
}

Status SqliteConnection::error(const char* what) const {
  int code = sqlite3_errcode(db_);
  std::string msg = std::string(what) + ": " + sqlite3_errmsg(db_);
  if (code == SQLITE_CONSTRAINT) return Status::conflict(msg);
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED) return Status::unavailable(msg);
  return Status::internal(msg);
}

// Background passive checkpoints (SqliteDb) copy the WAL into the database
// file, but alone they never let it start over under steady writes: SQLite
// restarts the WAL only when a writer begins after *every* frame was copied,
// and by then new frames are always there. The WAL then grew without bound
// (290 MB after 8 s of publishes); every fsync also journaled the file's new
// size, and page lookups searched an ever larger WAL index. A RESTART
// checkpoint from the background connection starved behind the busy writer.
// So the writer itself, right after a commit that leaves the WAL past the
// limit, copies the few frames the background has not (a passive checkpoint
// on its own connection never waits for itself); its next transaction then
// overwrites the WAL from the start: the file keeps its size, fsync flushes
// data only. A reader still on an old snapshot can hold the copy back; the
// writer then tries again an eighth of the limit later, not on every commit.
int SqliteConnection::on_wal_commit(void* self, sqlite3* db, const char* name, int frames) {
  auto* conn = static_cast<SqliteConnection*>(self);
  if (frames < conn->wal_restart_frames_) {
    conn->next_wal_attempt_ = conn->wal_restart_frames_;
    return SQLITE_OK;
  }
  if (frames < conn->next_wal_attempt_) return SQLITE_OK;
  int log = 0, copied = 0;
  int rc = sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  if (rc != SQLITE_OK || copied < log) conn->next_wal_attempt_ = frames + std::max(1, conn->wal_restart_frames_ / 8);
  return SQLITE_OK;
}

Status SqliteConnection::raw(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return sqlite3_errcode(db_) == SQLITE_BUSY ? Status::unavailable(msg) : Status::internal(msg);
  }
  return {};
}

Status SqliteConnection::exec_script(std::string_view sql) { return raw(std::string(sql).c_str()); }

Result<sqlite3_stmt*> SqliteConnection::prepare(std::string_view sql, const Params& params) {
  std::string key(sql);
  Prepared* p;
  if (auto it = cache_.find(key); it != cache_.end()) {
    p = &it->second;
    sqlite3_reset(p->stmt);
    sqlite3_clear_bindings(p->stmt);
  } else {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT,
                           &stmt, nullptr) != SQLITE_OK)
      return error("prepare");
    // `$N` placeholders are named parameters to SQLite, numbered by first
    // appearance. Map them once here: looking each name up per bind is a
    // linear search (quadratic for multi-row inserts).
    Prepared prepared{stmt, {}};
    int count = sqlite3_bind_parameter_count(stmt);
    for (int i = 1; i <= count; ++i) {
      const char* name = sqlite3_bind_parameter_name(stmt, i);
      if (!name || name[0] != '$') continue;
      int n = std::atoi(name + 1);
      if (n < 1) continue;
      if (prepared.slot.size() < static_cast<size_t>(n)) prepared.slot.resize(n, 0);
      prepared.slot[n - 1] = i;
    }
    p = &cache_.emplace(std::move(key), std::move(prepared)).first->second;
  }
  sqlite3_stmt* stmt = p->stmt;
  size_t n = std::min(params.size(), p->slot.size());
  for (size_t i = 0; i < n; ++i) {
    int idx = p->slot[i];
    if (idx == 0) continue;  // parameter unused by this statement
    const Value& v = params[i];
    int rc;
    if (std::holds_alternative<std::nullptr_t>(v)) rc = sqlite3_bind_null(stmt, idx);
    else if (auto ip = std::get_if<int64_t>(&v)) rc = sqlite3_bind_int64(stmt, idx, *ip);
    else if (auto dp = std::get_if<double>(&v)) rc = sqlite3_bind_double(stmt, idx, *dp);
    else {
      const auto& sv = std::get<std::string>(v);
      rc = sqlite3_bind_text(stmt, idx, sv.data(), static_cast<int>(sv.size()), SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) return error("bind");
  }
  return stmt;
}

Result<Rows> SqliteConnection::query(std::string_view sql, const Params& params) {
  SB_ASSIGN(sqlite3_stmt * stmt, prepare(sql, params));
  Rows rows;
  int ncol = sqlite3_column_count(stmt);
  for (;;) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) {
      Status s = error("step");
      sqlite3_reset(stmt);
      return s;
    }
    std::vector<Value> cols;
    cols.reserve(ncol);
    for (int c = 0; c < ncol; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_NULL: cols.emplace_back(nullptr); break;
        case SQLITE_INTEGER: cols.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, c))); break;
        case SQLITE_FLOAT: cols.emplace_back(sqlite3_column_double(stmt, c)); break;
        default: {
          auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          cols.emplace_back(std::string(p, sqlite3_column_bytes(stmt, c)));
        }
      }
    }
    rows.emplace_back(std::move(cols));
  }
  sqlite3_reset(stmt);
  return rows;
}

Result<int64_t> SqliteConnection::exec(std::string_view sql, const Params& params) {
  SB_ASSIGN(sqlite3_stmt * stmt, prepare(sql, params));
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {}
  if (rc != SQLITE_DONE) {
    Status s = error("step");
    sqlite3_reset(stmt);
    return s;
  }
  sqlite3_reset(stmt);
  return static_cast<int64_t>(sqlite3_changes(db_));
}

}  // namespace sb::store
