#include "jobs/waiters.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <vector>

namespace sb::jobs {

uint64_t Waiters::generation(const std::string& queue) {
  std::lock_guard lock(mu_);
  return queues_[queue].generation;
}

void Waiters::notify(const std::string& queue, size_t n) {
  std::vector<std::shared_ptr<Parked>> woken;
  {
    std::lock_guard lock(mu_);
    auto& q = queues_[queue];
    ++q.generation;
    while (n-- > 0 && !q.parked.empty()) {
      woken.push_back(std::move(q.parked.begin()->second));
      q.parked.erase(q.parked.begin());
    }
  }
  cv_.notify_all();
  // Outside the lock: a resumed long-poll claims again and may park again.
  for (auto& p : woken) p->resume(true);
}

void Waiters::notify_all_queues() {
  std::vector<std::string> names;
  {
    std::lock_guard lock(mu_);
    for (auto& [name, _] : queues_) names.push_back(name);
  }
  for (auto& name : names) notify(name, SIZE_MAX);
}

bool Waiters::park(const std::string& queue, uint64_t seen, int64_t deadline_steady_ms, Resume resume) {
  std::unique_lock lock(mu_);
  if (closed_) {
    lock.unlock();
    resume(false);
    return true;
  }
  auto& q = queues_[queue];
  if (q.generation != seen) return false;
  q.parked.emplace(++arrivals_, std::make_shared<Parked>(Parked{deadline_steady_ms, std::move(resume)}));
  return true;
}

void Waiters::wait(const std::string& queue, uint64_t seen, int64_t max_wait_ms) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, std::chrono::milliseconds(max_wait_ms),
               [&] { return closed_ || queues_[queue].generation != seen; });
}

int64_t Waiters::expire(int64_t now_steady_ms) {
  std::vector<std::shared_ptr<Parked>> expired;
  int64_t nearest = INT64_MAX;
  {
    std::lock_guard lock(mu_);
    for (auto& [_, q] : queues_) {
      for (auto it = q.parked.begin(); it != q.parked.end();) {
        if (it->second->deadline <= now_steady_ms) {
          expired.push_back(std::move(it->second));
          it = q.parked.erase(it);
        } else {
          nearest = std::min(nearest, it->second->deadline);
          ++it;
        }
      }
    }
  }
  for (auto& p : expired) p->resume(false);
  return nearest;
}

size_t Waiters::parked() {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (auto& [_, q] : queues_) n += q.parked.size();
  return n;
}

bool Waiters::closed() {
  std::lock_guard lock(mu_);
  return closed_;
}

void Waiters::close() {
  std::vector<std::shared_ptr<Parked>> all;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [_, q] : queues_) {
      for (auto& [__, p] : q.parked) all.push_back(std::move(p));
      q.parked.clear();
    }
  }
  cv_.notify_all();
  for (auto& p : all) p->resume(false);
}

}  // namespace sb::jobs
