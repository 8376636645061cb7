#include "test_databases.h"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "postgres_server.h"
#include "store/postgres/pg_connection.h"

namespace sb::test {
namespace {

// The process-wide server: started on first use, stopped when static
// destructors run at exit (the server's watchdog covers abnormal exits).
struct PgState {
  std::mutex mu;
  PostgresServer server;  // guarded by mu
  bool tried = false;     // guarded by mu; a failed start is not retried per test
  std::atomic<int> next_db{0};
};

PgState& pg() {
  static PgState state;
  return state;
}

std::string server_url(const std::string& database) {
  PgState& s = pg();
  std::lock_guard lock(s.mu);
  if (!s.tried) {
    s.tried = true;
    s.server.start();
  }
  if (!s.server.running()) throw std::runtime_error(s.server.error());
  return s.server.url(database);
}

// CREATE/DROP DATABASE cannot run inside a transaction, so they bypass Db
// and use a short-lived connection to the maintenance database.
sb::Status admin(const std::string& sql) {
  auto conn = store::PgConnection::open(server_url("postgres"));
  if (!conn) return conn.status();
  return (*conn)->raw(sql.c_str());
}

}  // namespace

TestDb::TestDb(TestDb&& other) noexcept
    : engine_(other.engine_),
      url_(std::move(other.url_)),
      pg_database_(std::exchange(other.pg_database_, {})),
      dir_(std::move(other.dir_)),
      db_(std::move(other.db_)) {}

TestDb::~TestDb() {
  close();
  if (!pg_database_.empty()) {
    // FORCE: a second handle a test forgot to close must not leak the database.
    sb::Status s = admin("DROP DATABASE IF EXISTS " + pg_database_ + " WITH (FORCE)");
    if (!s) ADD_FAILURE() << "dropping test database " << pg_database_ << ": " << s.to_string();
  }
}

void TestDb::close() {
  if (!db_) return;
  db_->close();
  db_.reset();
}

void TestDb::reopen(const store::Options& options) {
  close();
  auto db = store::open(url_, options);
  if (!db) throw std::runtime_error("reopening test database " + url_ + ": " + db.status().to_string());
  db_ = std::move(*db);
}

TestDb open_blank_test_db(store::Engine engine, const store::Options& options) {
  TestDb t;
  t.engine_ = engine;
  if (engine == store::Engine::kSqlite) {
    t.dir_ = std::make_unique<TempDir>();
    t.url_ = "sqlite:" + t.dir_->file("test.db");
  } else {
    std::string name = "t_" + std::to_string(++pg().next_db);
    t.url_ = server_url(name);
    if (sb::Status s = admin("CREATE DATABASE " + name); !s)
      throw std::runtime_error("creating test database " + name + ": " + s.to_string());
    t.pg_database_ = name;
  }
  t.reopen(options);
  return t;
}

TestDb open_test_db(store::Engine engine, const store::Options& options) {
  TestDb t = open_blank_test_db(engine, options);
  if (sb::Status s = store::migrate(*t); !s)
    throw std::runtime_error(std::string("migrating test database (") + engine_label(engine) +
                             "): " + s.to_string());
  return t;
}

std::vector<store::Engine> all_engines() { return {store::Engine::kSqlite, store::Engine::kPostgres}; }

const char* engine_label(store::Engine engine) {
  return engine == store::Engine::kSqlite ? "Sqlite" : "Postgres";
}

std::string engine_name(const ::testing::TestParamInfo<store::Engine>& info) {
  return engine_label(info.param);
}

}  // namespace sb::test
