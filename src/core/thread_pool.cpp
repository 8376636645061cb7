#include "core/thread_pool.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <exception>

namespace sb {

void name_this_thread(const std::string& name) { pthread_setname_np(pthread_self(), name.substr(0, 15).c_str()); }

ThreadPool::ThreadPool(int threads, std::string name, size_t max_queued) : max_queued_(max_queued) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this, thread_name = name + "-" + std::to_string(i)] {
      name_this_thread(thread_name);
      for (;;) {
        std::function<void()> task;
        {
          std::unique_lock lock(mu_);
          cv_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
          if (tasks_.empty()) return;  // stopping and drained
          task = std::move(tasks_.front());
          tasks_.pop_front();
        }
        run_one(task);
      }
    });
  }
}

ThreadPool::~ThreadPool() { stop(); }

void ThreadPool::run_one(std::function<void()>& task) noexcept {
  // The last line of defence: callers (the HTTP pipeline) catch their own
  // exceptions and answer the client; anything reaching here is logged
  // rather than terminating every connection the process serves.
  try {
    task();
  } catch (const std::exception& e) {
    spdlog::error("pooled task threw: {}", e.what());
  } catch (...) {
    spdlog::error("pooled task threw a non-std exception");
  }
}

Submitted ThreadPool::submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Submitted::kStopping;
    if (max_queued_ != 0 && tasks_.size() >= max_queued_) return Submitted::kFull;
    tasks_.push_back(std::move(task));
  }
  cv_.notify_one();
  return Submitted::kQueued;
}

size_t ThreadPool::queued() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void ThreadPool::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace sb
