// In-process workers: one dispatcher thread claims in batches (a commit per
// batch, not per job) and keeps a small buffer ahead of `concurrency` runner
// threads; results are acknowledged through the coalescing ack writer, so
// many acks share a commit. An idle dispatcher sleeps until a commit in this
// process makes jobs of its queue ready (no polling for local work).
#include <deque>
#include <exception>

#include "jobs/queue_impl.h"

namespace sb::jobs {

namespace {

class InProcessWorker final : public Worker {
 public:
  InProcessWorker(Queue& queue, Queue::Impl& impl, std::string name, int concurrency, Handler handler,
                  ClaimOptions options)
      : queue_(queue),
        impl_(impl),
        name_(std::move(name)),
        concurrency_(std::max(1, concurrency)),
        handler_(std::move(handler)),
        options_(options) {
    for (int i = 0; i < concurrency_; ++i) runners_.emplace_back([this] { run(); });
    dispatcher_ = std::thread([this] { dispatch(); });
  }
  ~InProcessWorker() override { stop(); }

  void stop() override {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    impl_.waiters.notify(name_, 0);  // a sleeping dispatcher looks at stopping_
    cv_.notify_all();
    if (dispatcher_.joinable()) dispatcher_.join();
    {
      std::lock_guard lock(mu_);
      drain_ = true;  // nothing more arrives: runners finish the buffer and leave
    }
    cv_.notify_all();
    for (auto& t : runners_) t.join();
    // Jobs in hand are done; wait until their acks are durable.
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return acks_in_flight_ == 0; });
  }

 private:
  void dispatch() {
    const size_t buffer = static_cast<size_t>(concurrency_) * 2;  // claimed ahead of the runners
    constexpr int64_t kIdleRecheckMs = 1000;  // other instances' jobs, delayed jobs
    while (true) {
      size_t want;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || ready_.size() + running_ < buffer; });
        if (stopping_) return;
        want = buffer - ready_.size() - running_;
      }
      uint64_t seen = impl_.waiters.generation(name_);
      ClaimOptions opt = options_;
      opt.max = static_cast<int>(want);
      auto jobs = queue_.claim(name_, opt);
      if (!jobs.ok() || jobs->empty()) {
        impl_.waiters.wait(name_, seen, kIdleRecheckMs);
        continue;
      }
      {
        std::lock_guard lock(mu_);
        for (auto& j : *jobs) ready_.push_back(std::move(j));
      }
      cv_.notify_all();
    }
  }

  void run() {
    while (true) {
      Claimed job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !ready_.empty() || drain_; });
        if (ready_.empty()) return;
        job = std::move(ready_.front());
        ready_.pop_front();
        ++running_;
      }
      Result<std::string> outcome = Status::internal("handler did not run");
      try {
        outcome = handler_(job);
      } catch (const std::exception& e) {
        outcome = Status::internal(std::string("handler threw: ") + e.what());
      } catch (...) {
        outcome = Status::internal("handler threw");
      }
      if (outcome.ok()) {
        {
          std::lock_guard lock(mu_);
          ++acks_in_flight_;
        }
        queue_.ack_async(name_, {Ack{job.id, job.lease, std::move(*outcome)}}, [this](std::vector<Status>) {
          std::lock_guard lock(mu_);
          --acks_in_flight_;
          cv_.notify_all();
        });
      } else {
        (void)queue_.nack(name_, job.id, job.lease, outcome.status().message());
      }
      {
        std::lock_guard lock(mu_);
        --running_;
      }
      cv_.notify_all();
    }
  }

  Queue& queue_;
  Queue::Impl& impl_;
  const std::string name_;
  const int concurrency_;
  const Handler handler_;
  const ClaimOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Claimed> ready_;   // guarded by mu_
  size_t running_ = 0;          // guarded by mu_
  size_t acks_in_flight_ = 0;   // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  bool drain_ = false;          // guarded by mu_: the dispatcher has left
  std::vector<std::thread> runners_;
  std::thread dispatcher_;
};

}  // namespace

std::unique_ptr<Worker> Queue::work(std::string queue, int concurrency, Handler handler, ClaimOptions options) {
  return std::make_unique<InProcessWorker>(*this, *impl_, std::move(queue), concurrency, std::move(handler), options);
}

}  // namespace sb::jobs
