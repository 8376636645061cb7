// One libpq connection with a per-connection prepared-statement cache. The
// .cpp is the only file in the tree that includes libpq-fe.h; this header only
// forward-declares libpq's handle so tests and tools can hold a connection
// (e.g. to run CREATE DATABASE outside a transaction) without pulling libpq in.
//
// Values travel in text format; result columns come back typed by their
// PostgreSQL type (integers and booleans as int64_t, floats as double, NULL as
// nullptr, everything else as text). A broken connection is re-established
// once (PQreset) before the next statement, but never in the middle of a
// transaction: statements of a transaction whose connection died fail with
// Code::kUnavailable until the transaction is ended.
//
// Not thread-safe: owned by one thread at a time (a writer thread, or a reader
// checked out of the pool).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/write_batcher.h"

struct pg_conn;
struct pg_result;

namespace sb::store {

class PgConnection final : public WriterConnection {
 public:
  // `url` is a postgresql:// URI (or libpq key=value string).
  static Result<std::unique_ptr<PgConnection>> open(const std::string& url);
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Engine engine() const override { return Engine::kPostgres; }
  Result<Rows> query(std::string_view sql, const Params& params) override;
  Result<int64_t> exec(std::string_view sql, const Params& params) override;
  Status exec_script(std::string_view sql) override;
  // Also usable outside a transaction (CREATE DATABASE, VACUUM, …). A
  // statement that opens a transaction (BEGIN/START) is retried once on a
  // fresh connection if the old one turned out to be dead: nothing has run yet.
  Status raw(const char* sql) override;

 private:
  struct Prepared {
    std::string name;
    int nparams = 0;
  };
  // Lets the cache be probed with a string_view without copying the SQL.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  PgConnection(pg_conn* conn, std::string url) : conn_(conn), url_(std::move(url)) {}
  Status setup();
  Status ensure_connected();
  Result<const Prepared*> prepare(std::string_view sql);
  // Runs a cached prepared statement; the caller owns the returned result.
  Result<pg_result*> run(std::string_view sql, const Params& params);
  Status run_simple(const char* sql);
  Status error(pg_result* res, const char* what);
  void note_tx_state();

  pg_conn* conn_;
  const std::string url_;  // for scrubbing the password out of libpq messages
  std::unordered_map<std::string, Prepared, SqlHash, std::equal_to<>> cache_;
  int next_stmt_ = 0;
  // Last known server-side transaction state; kept when the connection dies
  // so a half-done transaction is never silently continued on a new session.
  bool in_tx_ = false;
};

// `url` with any password replaced by "***", for messages and logs.
std::string redact_url(const std::string& url);
// `message` with every occurrence of the password in `url` replaced by "***".
std::string scrub_password(std::string message, const std::string& url);

}  // namespace sb::store
