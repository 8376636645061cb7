// jobs::Waiters — who in this process waits for jobs of which queue: HTTP
// long-polls (parked callbacks with a deadline) and in-process workers
// (blocked on a condition). A commit that makes jobs claimable notifies the
// queue; nobody polls on an interval for work this process caused.
//
// Each queue has a generation, bumped by notify(). A waiter reads it before
// its claim finds nothing and parks with it; if it moved meanwhile the park
// is refused and the caller claims again, so a job committed between "found
// nothing" and "parked" is never slept through. Internal to jobs/.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sb::jobs {

class Waiters {
 public:
  // `woken` true: claim again; false: the deadline passed (or closing).
  using Resume = std::function<void(bool woken)>;

  uint64_t generation(const std::string& queue);
  // Wakes up to `n` parked long-polls of `queue` (oldest first) and every
  // blocked worker of it.
  void notify(const std::string& queue, size_t n);
  void notify_all_queues();
  // Parks unless the generation moved past `seen` (returns false: claim now).
  bool park(const std::string& queue, uint64_t seen, int64_t deadline_steady_ms, Resume resume);
  // Blocks a worker until `queue` moves past `seen`, for at most max_wait_ms
  // of real time (workers re-check on their own after that).
  void wait(const std::string& queue, uint64_t seen, int64_t max_wait_ms);
  // Answers parked long-polls whose deadline is <= now; returns the nearest
  // remaining deadline (INT64_MAX if none).
  int64_t expire(int64_t now_steady_ms);
  size_t parked();
  bool closed();
  // Answers every parked long-poll (woken = false) and refuses new parks.
  void close();

 private:
  struct Parked {
    int64_t deadline;
    Resume resume;
  };
  struct PerQueue {
    uint64_t generation = 0;
    std::multimap<uint64_t, std::shared_ptr<Parked>> parked;  // by arrival
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, PerQueue> queues_;  // guarded by mu_
  uint64_t arrivals_ = 0;                             // guarded by mu_
  bool closed_ = false;                               // guarded by mu_
};

}  // namespace sb::jobs
