// A fixed pool of threads for blocking work kept off the io threads (Db
// reads and commits, Argon2id, provider calls that may take seconds: SMTP,
// HTTPS APIs). Tasks run in submission order per free thread; stop()
// finishes queued tasks and joins. Thread-safe.
//
// The queue is bounded: an overloaded server answers 503 at once instead of
// queueing work whose client gave up long ago. A task that throws is logged
// and the thread goes on: one buggy handler must not end the process.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sb {

// Names the calling thread as `top -H`, ps and gdb show it (Linux keeps the
// first 15 bytes). Every long-lived thread names itself: "sb-io-0",
// "sb-writer", "sb-feed", …
void name_this_thread(const std::string& name);

enum class Submitted {
  kQueued,
  kFull,      // max_queued tasks are already waiting: answer 503 and let the client retry
  kStopping,  // stop() was called; the task was dropped
};

class ThreadPool {
 public:
  // Threads are named "<name>-0", "<name>-1", …; at most `max_queued` tasks
  // wait for a thread (0 = unbounded).
  explicit ThreadPool(int threads, std::string name = "sb-pool", size_t max_queued = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task` unless the queue is full or the pool is stopping (then the
  // task is dropped, not run).
  Submitted submit(std::function<void()> task);
  void stop();
  size_t queued() const;

 private:
  void run_one(std::function<void()>& task) noexcept;

  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sb
