// In-process workers: one dispatcher thread claims in batches (a commit per
// batch, not per job) and keeps a buffer ahead of `concurrency` runner
// threads. Finished jobs' acks gather while one ack write is in flight and go
// together in the next (one statement per claim batch), so a no-op job costs
// a fraction of a commit. An idle dispatcher sleeps until a commit in this
// process makes jobs of its queue ready (no polling for local work).
//
// Wake-ups are targeted: a runner is woken per job handed over, the
// dispatcher only when the buffer has room for a worthwhile claim.
//
// The buffer adapts to the handler: 2 x concurrency at first, then as many
// jobs as the runners finish within a quarter of the lease (at most 1024), so
// fast jobs are claimed hundreds at a time and slow ones never wait in the
// buffer until their lease runs out.
#include <algorithm>
#include <chrono>
#include <deque>
#include <exception>

#include "jobs/queue_impl.h"

namespace sb::jobs {

namespace {

class InProcessWorker final : public Taker, public std::enable_shared_from_this<InProcessWorker> {
 public:
  InProcessWorker(Queue& queue, Queue::Impl& impl, std::string name, int concurrency, CompletingHandler handler,
                  ClaimOptions options)
      : queue_(queue),
        impl_(impl),
        name_(std::move(name)),
        concurrency_(std::max(1, concurrency)),
        handler_(std::move(handler)),
        options_(options) {}

  void start() {
    for (int i = 0; i < concurrency_; ++i) runners_.emplace_back([this] { run(); });
    dispatcher_ = std::thread([this] { dispatch(); });
    // Local enqueues claim for this worker while it has room (wants()).
    impl_.park_taker(name_, shared_from_this());
  }

  ClaimOptions wants() override {
    ClaimOptions opt = options_;
    std::lock_guard lock(mu_);
    size_t cap = capacity(), held = ready_.size() + running_;
    opt.max = stopping_ || held >= cap ? 0 : static_cast<int>(cap - held);
    return opt;
  }

  void give(std::vector<Claimed> jobs) override {
    if (jobs.empty()) return;
    const size_t n = jobs.size();
    {
      std::lock_guard lock(mu_);
      if (!drain_) {
        for (auto& j : jobs) ready_.push_back(std::move(j));
        jobs.clear();
      }
    }
    if (!jobs.empty()) {  // the runners are gone: back to waiting
      impl_.release(name_, jobs.front().lease);
      return;
    }
    wake_runners(n);
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    impl_.unpark_taker(name_, this);
    impl_.waiters.notify(name_, 0);  // a sleeping dispatcher looks at stopping_
    room_.notify_all();
    if (dispatcher_.joinable()) dispatcher_.join();
    {
      std::lock_guard lock(mu_);
      drain_ = true;  // nothing more arrives: runners finish the buffer and leave
    }
    work_.notify_all();
    for (auto& t : runners_) t.join();
    // Jobs in hand are done; wait until their acks are durable.
    std::unique_lock lock(mu_);
    acked_.wait(lock, [&] { return !ack_in_flight_ && acks_.empty(); });
  }

 private:
  void dispatch() {
    constexpr int64_t kIdleRecheckMs = 1000;  // other instances' jobs, delayed jobs
    while (true) {
      size_t want;
      {
        std::unique_lock lock(mu_);
        // Claim when a quarter of the buffer is free (batches, not single jobs).
        room_.wait(lock, [&] { return stopping_ || has_room(); });
        if (stopping_) return;
        want = capacity() - ready_.size() - running_;
      }
      uint64_t seen = impl_.waiters.generation(name_);
      ClaimOptions opt = options_;
      opt.max = static_cast<int>(want);
      auto jobs = queue_.claim(name_, opt);
      if (!jobs.ok() || jobs->empty()) {
        if (impl_.waiters.closed()) {  // the queue stopped first: claim nothing more, wait for stop()
          std::unique_lock lock(mu_);
          room_.wait(lock, [&] { return stopping_; });
          return;
        }
        impl_.waiters.wait(name_, seen, kIdleRecheckMs);
        continue;
      }
      {
        std::lock_guard lock(mu_);
        for (auto& j : *jobs) ready_.push_back(std::move(j));
      }
      wake_runners(jobs->size());
    }
  }

  void run() {
    while (true) {
      Claimed job;
      {
        std::unique_lock lock(mu_);
        work_.wait(lock, [&] { return !ready_.empty() || drain_; });
        if (ready_.empty()) return;
        job = std::move(ready_.front());
        ready_.pop_front();
        ++running_;
      }
      Result<Completion> outcome = Status::internal("handler did not run");
      auto started = std::chrono::steady_clock::now();
      try {
        outcome = handler_(job);
      } catch (const std::exception& e) {
        outcome = Status::internal(std::string("handler threw: ") + e.what());
      } catch (...) {
        outcome = Status::internal("handler threw");
      }
      if (!outcome.ok()) (void)queue_.nack(name_, job.id, job.lease, outcome.status().message());
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
      bool wake_dispatcher;
      {
        std::lock_guard lock(mu_);
        avg_ms_ = avg_ms_ < 0 ? ms : avg_ms_ * 0.95 + ms * 0.05;
        if (outcome.ok())
          acks_.push_back(Ack{std::move(job.id), std::move(job.lease), std::move(outcome->result), std::move(outcome->also)});
        --running_;
        wake_dispatcher = has_room();
      }
      flush_acks();
      if (wake_dispatcher) room_.notify_one();
    }
  }

  // One runner per job (waking all of them for one job costs more than the job).
  void wake_runners(size_t jobs) {
    if (jobs >= static_cast<size_t>(concurrency_)) return work_.notify_all();
    for (size_t i = 0; i < jobs; ++i) work_.notify_one();
  }

  // Jobs the runners finish within a quarter of the lease. Under mu_.
  size_t capacity() const {
    const size_t least = static_cast<size_t>(concurrency_) * 2;
    if (avg_ms_ < 0) return least;
    double fit = concurrency_ * (static_cast<double>(options_.lease_ms) / 4) / std::max(avg_ms_, 0.001);
    return std::clamp(static_cast<size_t>(std::min(fit, 1e6)), least, std::max<size_t>(least, 1024));
  }
  // Claim when a quarter of the buffer is free (batches, not single jobs). Under mu_.
  bool has_room() const {
    size_t cap = capacity();
    return ready_.size() + running_ + cap / 4 <= cap;
  }

  // One ack write in flight; acks finished meanwhile go in the next.
  void flush_acks() {
    std::vector<Ack> batch;
    {
      std::lock_guard lock(mu_);
      if (ack_in_flight_ || acks_.empty()) return;
      ack_in_flight_ = true;
      batch.swap(acks_);
    }
    queue_.ack_async(name_, std::move(batch), [this](std::vector<Status>) {
      {
        std::lock_guard lock(mu_);
        ack_in_flight_ = false;
      }
      acked_.notify_all();
      flush_acks();
    });
  }

  Queue& queue_;
  Queue::Impl& impl_;
  const std::string name_;
  const int concurrency_;
  const CompletingHandler handler_;
  const ClaimOptions options_;
  std::mutex mu_;
  std::condition_variable work_;   // runners: a job is ready, or drain_
  std::condition_variable room_;   // dispatcher: the buffer has room, or stopping_
  std::condition_variable acked_;  // stop(): an ack write finished
  std::deque<Claimed> ready_;      // guarded by mu_
  std::vector<Ack> acks_;          // guarded by mu_: finished, not yet written
  size_t running_ = 0;             // guarded by mu_
  double avg_ms_ = -1;             // guarded by mu_: handler time, moving average
  bool ack_in_flight_ = false;     // guarded by mu_
  bool stopping_ = false;          // guarded by mu_
  bool drain_ = false;             // guarded by mu_: the dispatcher has left
  std::vector<std::thread> runners_;
  std::thread dispatcher_;
};

// What the caller holds; the worker itself is shared with the takers list and
// in-flight hand-overs, which may outlive stop() by a moment.
class WorkerHandle final : public Worker {
 public:
  explicit WorkerHandle(std::shared_ptr<InProcessWorker> w) : w_(std::move(w)) {}
  ~WorkerHandle() override { w_->stop(); }
  void stop() override { w_->stop(); }

 private:
  std::shared_ptr<InProcessWorker> w_;
};

}  // namespace

std::unique_ptr<Worker> Queue::work(std::string queue, int concurrency, Handler handler, ClaimOptions options) {
  return work_completing(
      std::move(queue), concurrency,
      [handler = std::move(handler)](const Claimed& job) -> Result<Completion> {
        SB_ASSIGN(auto result, handler(job));
        return Completion{std::move(result), {}};
      },
      options);
}

std::unique_ptr<Worker> Queue::work_completing(std::string queue, int concurrency, CompletingHandler handler,
                                               ClaimOptions options) {
  auto w = std::make_shared<InProcessWorker>(*this, *impl_, std::move(queue), concurrency, std::move(handler), options);
  w->start();
  return std::make_unique<WorkerHandle>(std::move(w));
}

}  // namespace sb::jobs
