#include "store/sqlite/sqlite_db.h"

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/thread_pool.h"
#include "store/sqlite/sqlite_connection.h"
#include "store/write_batcher.h"

namespace sb::store {
namespace {

class SqliteDb final : public Db {
 public:
  SqliteDb(std::unique_ptr<WriteBatcher> writer, std::vector<std::unique_ptr<SqliteConnection>> readers,
           std::unique_ptr<SqliteConnection> checkpointer)
      : writer_(std::move(writer)), readers_(std::move(readers)), checkpointer_(std::move(checkpointer)) {
    checkpoint_thread_ = std::thread([this] {
      name_this_thread("sb-checkpoint");
      checkpoint_loop();
    });
  }
  ~SqliteDb() override { close(); }

  Engine engine() const override { return Engine::kSqlite; }

  void write_async(TxFn fn, Done done) override { writer_->submit(std::move(fn), std::move(done)); }

  Status read(const TxFn& fn) override {
    std::unique_ptr<SqliteConnection> conn;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return closed_ || !readers_.empty(); });
      if (closed_) return Status::unavailable("database is closed");
      conn = std::move(readers_.back());
      readers_.pop_back();
    }
    Status s = conn->raw("BEGIN");
    if (s) {
      s = fn(*conn);
      conn->raw(s ? "COMMIT" : "ROLLBACK");
    }
    {
      std::lock_guard lock(mu_);
      readers_.push_back(std::move(conn));
    }
    cv_.notify_one();
    return s;
  }

  Status ping() override {
    return read([](Tx& tx) { return tx.query("SELECT 1").status(); });
  }

  void close() override {
    if (writer_) writer_->close();
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      readers_.clear();
    }
    cv_.notify_all();
    checkpoint_cv_.notify_all();
    if (checkpoint_thread_.joinable()) checkpoint_thread_.join();
    if (checkpointer_) {
      checkpointer_->raw("PRAGMA wal_checkpoint(TRUNCATE)");
      checkpointer_.reset();
    }
  }

 private:
  // Copies the WAL into the database file off the commit path, so a commit
  // pays for its own fsync only (autocheckpoint in the writer added a
  // checkpoint's fsyncs to every ~1000th commit: ~1.5x on batched appends).
  // These copies alone never let the WAL start over under steady writes; the
  // writer connection finishes the job (SqliteConnection's WAL hook).
  void checkpoint_loop() {
    std::unique_lock lock(mu_);
    while (!closed_) {
      checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(250), [&] { return closed_; });
      if (closed_) break;
      lock.unlock();
      checkpointer_->raw("PRAGMA wal_checkpoint(PASSIVE)");
      lock.lock();
    }
  }

  std::unique_ptr<WriteBatcher> writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;  // guarded by mu_
  bool closed_ = false;                                     // guarded by mu_
  std::unique_ptr<SqliteConnection> checkpointer_;
  std::thread checkpoint_thread_;
  std::condition_variable checkpoint_cv_;  // its own: cv_ wakes one waiting reader
};

}  // namespace

Result<std::unique_ptr<Db>> open_sqlite(const std::string& path, const Options& options) {
  if (options.sqlite_synchronous != "FULL" && options.sqlite_synchronous != "NORMAL")
    return Status::invalid("store.sqlite_synchronous", "must be FULL or NORMAL");
  std::filesystem::path p(path);
  if (p.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(p.parent_path(), ec);
  }
  SB_ASSIGN(auto writer, SqliteConnection::open(path, false, options));
  std::vector<std::unique_ptr<WriterConnection>> writers;
  writers.push_back(std::move(writer));
  std::vector<std::unique_ptr<SqliteConnection>> readers;
  for (int i = 0; i < options.read_pool_size; ++i) {
    SB_ASSIGN(auto r, SqliteConnection::open(path, true, options));
    readers.push_back(std::move(r));
  }
  SB_ASSIGN(auto checkpointer, SqliteConnection::open(path, false, options));
  auto batcher = std::make_unique<WriteBatcher>(std::move(writers), options.max_batch);
  return std::unique_ptr<Db>(new SqliteDb(std::move(batcher), std::move(readers), std::move(checkpointer)));
}

}  // namespace sb::store
