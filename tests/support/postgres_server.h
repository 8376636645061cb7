// A throwaway PostgreSQL 15 server for tests: initdb into a TempDir, trust
// auth, listening on 127.0.0.1 only at a free port (unix socket inside the
// temp dir), started and stopped with pg_ctl. When the test runs as root the
// server runs as the `postgres` system user, since PostgreSQL refuses root.
//
// A small watchdog process (its own session) stops the server and removes the
// directory when this process exits for any reason, so a crashed or killed
// test never leaves a postmaster behind.
//
// Not thread-safe: start/stop from one thread (test_databases.h wraps one
// process-wide instance behind a mutex).
#pragma once

#include <memory>
#include <string>
#include <sys/types.h>

#include "temp_dir.h"

namespace sb::test {

class PostgresServer {
 public:
  PostgresServer() = default;
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Takes ~1 s. On failure returns false and error() says why (with the
  // server log).
  bool start();
  // Immediate shutdown (tests need no checkpoint), then removes the data.
  void stop();

  bool running() const { return port_ != 0; }
  const std::string& error() const { return error_; }
  int port() const { return port_; }
  const std::string& user() const { return user_; }
  // postgresql://USER@127.0.0.1:PORT/postgres, or another database.
  std::string url(const std::string& database = "postgres") const;

 private:
  bool fail(const std::string& what);

  std::unique_ptr<TempDir> dir_;
  std::string user_ = "sbtest";
  std::string error_;
  int port_ = 0;
  pid_t watchdog_ = -1;
  int watchdog_fd_ = -1;  // write end of the pipe the watchdog waits on
};

}  // namespace sb::test
