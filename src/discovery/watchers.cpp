#include "discovery/watchers.h"

#include <vector>

namespace sb::discovery {

bool Watchers::park(const std::string& key, int64_t seen, int64_t deadline_steady_ms, Resume resume) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  PerKey& k = keys_[key];
  if (k.index > seen) return false;
  k.by_seen.emplace(seen, Parked{seen, deadline_steady_ms, std::move(resume)});
  return true;
}

void Watchers::notify_locked(const std::string& key, int64_t index, std::vector<Resume>& out) {
  PerKey& k = keys_[key];
  k.index = std::max(k.index, index);
  auto end = k.by_seen.lower_bound(index);  // every watch that saw less than `index`
  for (auto it = k.by_seen.begin(); it != end; ++it) out.push_back(std::move(it->second.resume));
  k.by_seen.erase(k.by_seen.begin(), end);
}

void Watchers::notify(const std::string& key, int64_t index) {
  std::vector<Resume> ready;
  {
    std::lock_guard lock(mu_);
    notify_locked(key, index, ready);
    if (!key.empty()) notify_locked("", index, ready);
  }
  for (auto& r : ready) r(true);  // outside the lock: a resume answers a request
}

void Watchers::expire(int64_t now_steady_ms) {
  std::vector<Resume> due;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, k] : keys_)
      for (auto it = k.by_seen.begin(); it != k.by_seen.end();) {
        if (it->second.deadline <= now_steady_ms) {
          due.push_back(std::move(it->second.resume));
          it = k.by_seen.erase(it);
        } else {
          ++it;
        }
      }
  }
  for (auto& r : due) r(false);
}

void Watchers::close() {
  std::vector<Resume> all;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [key, k] : keys_)
      for (auto& [seen, p] : k.by_seen) all.push_back(std::move(p.resume));
    keys_.clear();
  }
  for (auto& r : all) r(false);
}

size_t Watchers::parked() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [key, k] : keys_) n += k.by_seen.size();
  return n;
}

}  // namespace sb::discovery
