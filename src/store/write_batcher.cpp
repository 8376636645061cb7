#include "store/write_batcher.h"

#include <spdlog/spdlog.h>

#include "core/thread_pool.h"
#include "core/wake_batch.h"

namespace sb::store {

WriteBatcher::WriteBatcher(std::vector<std::unique_ptr<WriterConnection>> writers, size_t max_batch)
    : max_batch_(max_batch < 1 ? 1 : max_batch), writers_(std::move(writers)) {
  for (auto& w : writers_)
    threads_.emplace_back([this, c = w.get(), name = "sb-writer-" + std::to_string(threads_.size())] {
      name_this_thread(name);
      run(*c);
    });
}

WriteBatcher::~WriteBatcher() { close(); }

void WriteBatcher::submit(Db::TxFn fn, Db::Done done) {
  bool rejected = false;
  {
    std::lock_guard lock(mu_);
    if (closing_) rejected = true;
    else queue_.push_back({std::move(fn), std::move(done)});
  }
  if (rejected) {
    done(Status::unavailable("database is closing"));
    return;
  }
  cv_.notify_one();
}

void WriteBatcher::close() {
  {
    std::lock_guard lock(mu_);
    if (closing_ && threads_.empty()) return;
    closing_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  writers_.clear();
}

void WriteBatcher::run(WriterConnection& conn) {
  std::vector<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing and drained
      while (!queue_.empty() && batch.size() < max_batch_) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    run_batch(conn, batch);
    batch.clear();
  }
}

void WriteBatcher::run_batch(WriterConnection& conn, std::vector<Job>& batch) {
  const bool single = batch.size() == 1;
  std::vector<Status> outcome(batch.size());
  std::vector<std::vector<std::function<void()>>> hooks(batch.size());
  Status began = conn.raw(conn.begin_sql());
  if (!began) {
    for (auto& j : batch) j.done(began);
    return;
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (!single) {
      if (Status s = conn.raw("SAVEPOINT sb_job"); !s) {
        outcome[i] = s;
        continue;
      }
    }
    Status s;
    try {
      s = batch[i].fn(conn);
    } catch (const std::exception& e) {
      s = Status::internal(std::string("write callback threw: ") + e.what());
    }
    hooks[i] = conn.take_after_commit();
    if (!s) {
      outcome[i] = s;
      hooks[i].clear();
      if (single) {
        conn.raw("ROLLBACK");
        batch[i].done(s);
        return;
      }
      conn.raw("ROLLBACK TO SAVEPOINT sb_job");
    }
    if (!single) {
      if (Status released = conn.raw("RELEASE SAVEPOINT sb_job"); !released) {
        // PostgreSQL aborts the transaction on a statement error even if the
        // callback carried on and returned OK: undo just this job.
        conn.raw("ROLLBACK TO SAVEPOINT sb_job");
        conn.raw("RELEASE SAVEPOINT sb_job");
        if (outcome[i]) outcome[i] = released;
        hooks[i].clear();
      }
    }
  }
  Status committed = conn.raw("COMMIT");
  if (!committed) {
    spdlog::error("store: commit of {} writes failed: {}", batch.size(), committed.to_string());
    conn.raw("ROLLBACK");
  }
  // The io threads hear of all these answers at once; a done() that waits
  // must WakeBatch::flush() first (core/wake_batch.h).
  WakeBatch wakes;
  for (size_t i = 0; i < batch.size(); ++i) {
    Status s = !outcome[i] ? outcome[i] : committed;
    if (s)
      for (auto& h : hooks[i]) h();
    batch[i].done(std::move(s));
  }
}

}  // namespace sb::store
