// A fixed pool of threads for blocking work kept off the io threads (provider
// calls that may take seconds: SMTP, HTTPS APIs). Tasks run in submission
// order per free thread; stop() finishes queued tasks and joins. Thread-safe.
#pragma once

#include <condition_variable>
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

class ThreadPool {
 public:
  // Threads are named "<name>-0", "<name>-1", …
  explicit ThreadPool(int threads, std::string name = "sb-pool");
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Returns false (and drops the task) once stopping.
  bool submit(std::function<void()> task);
  void stop();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace sb
