// Group commit shared by both engines: one thread per writer connection drains
// queued write callbacks, runs each in its own SAVEPOINT inside one
// transaction, commits once, then reports every outcome. Concurrent publishers
// thereby share fsyncs without anyone being acknowledged before their commit.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/db.h"

namespace sb::store {

// A writer connection as the batcher sees it.
class WriterConnection : public Tx {
 public:
  // Plain statement without parameters (BEGIN, SAVEPOINT, COMMIT, …).
  virtual Status raw(const char* sql) = 0;
  // Statement that starts a write transaction (SQLite: BEGIN IMMEDIATE).
  virtual const char* begin_sql() const { return "BEGIN"; }
};

class WriteBatcher {
 public:
  WriteBatcher(std::vector<std::unique_ptr<WriterConnection>> writers, size_t max_batch);
  ~WriteBatcher();
  void submit(Db::TxFn fn, Db::Done done);
  void close();

 private:
  struct Job {
    Db::TxFn fn;
    Db::Done done;
  };
  void run(WriterConnection& conn);
  void run_batch(WriterConnection& conn, std::vector<Job>& batch);

  const size_t max_batch_;
  std::vector<std::unique_ptr<WriterConnection>> writers_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;  // guarded by mu_
  bool closing_ = false;   // guarded by mu_
};

}  // namespace sb::store
