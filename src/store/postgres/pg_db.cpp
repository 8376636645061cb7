#include "store/postgres/pg_db.h"

#include <condition_variable>
#include <mutex>
#include <utility>

#include "store/postgres/pg_connection.h"
#include "store/write_batcher.h"

namespace sb::store {
namespace {

// Two writers let one batch's commit fsync overlap the next batch's
// statements; row locks (e.g. the events counter) still order dependent
// writes by commit.
constexpr int kWriterConnections = 2;

class PgDb final : public Db {
 public:
  PgDb(std::unique_ptr<WriteBatcher> writer, std::vector<std::unique_ptr<PgConnection>> readers)
      : writer_(std::move(writer)), readers_(std::move(readers)) {}
  ~PgDb() override { close(); }

  Engine engine() const override { return Engine::kPostgres; }

  void write_async(TxFn fn, Done done) override { writer_->submit(std::move(fn), std::move(done)); }

  Status read(const TxFn& fn) override {
    SB_ASSIGN(Lease lease, checkout());
    PgConnection& conn = *lease.conn;
    Status s = conn.raw("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (!s) return s;
    try {
      s = fn(conn);
    } catch (const std::exception& e) {
      s = Status::internal(std::string("read callback threw: ") + e.what());
    }
    Status ended = conn.raw(s ? "COMMIT" : "ROLLBACK");
    return s ? ended : s;
  }

  Status ping() override {
    SB_ASSIGN(Lease lease, checkout());
    Status s = lease.conn->query("SELECT 1", {}).status();
    // A connection that died while idle is only noticed by using it; the
    // second attempt runs on a re-established one.
    if (s.code() == Code::kUnavailable) s = lease.conn->query("SELECT 1", {}).status();
    return s;
  }

  void close() override {
    if (writer_) writer_->close();
    std::lock_guard lock(mu_);
    closed_ = true;
    readers_.clear();
    cv_.notify_all();
  }

 private:
  // A reader checked out of the pool; goes back on every return path.
  struct Lease {
    PgDb* db = nullptr;
    std::unique_ptr<PgConnection> conn;
    Lease(PgDb* d, std::unique_ptr<PgConnection> c) : db(d), conn(std::move(c)) {}
    Lease(Lease&& o) noexcept : db(std::exchange(o.db, nullptr)), conn(std::move(o.conn)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (db && conn) db->give_back(std::move(conn));
    }
  };

  Result<Lease> checkout() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !readers_.empty(); });
    if (closed_) return Status::unavailable("database is closed");
    auto conn = std::move(readers_.back());
    readers_.pop_back();
    return Lease(this, std::move(conn));
  }

  void give_back(std::unique_ptr<PgConnection> conn) {
    {
      std::lock_guard lock(mu_);
      if (closed_) return;  // close() already emptied the pool; let it go
      readers_.push_back(std::move(conn));
    }
    cv_.notify_one();
  }

  std::unique_ptr<WriteBatcher> writer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> readers_;  // guarded by mu_
  bool closed_ = false;                                 // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<Db>> open_postgres(const std::string& url, const Options& options) {
  if (options.pg_pool_size < 1) return Status::invalid("store.pg_pool_size", "must be at least 1");
  std::vector<std::unique_ptr<WriterConnection>> writers;
  for (int i = 0; i < kWriterConnections; ++i) {
    SB_ASSIGN(auto w, PgConnection::open(url));
    writers.push_back(std::move(w));
  }
  std::vector<std::unique_ptr<PgConnection>> readers;
  for (int i = 0; i < options.pg_pool_size; ++i) {
    SB_ASSIGN(auto r, PgConnection::open(url));
    readers.push_back(std::move(r));
  }
  auto batcher = std::make_unique<WriteBatcher>(std::move(writers), options.max_batch);
  return std::unique_ptr<Db>(new PgDb(std::move(batcher), std::move(readers)));
}

}  // namespace sb::store
