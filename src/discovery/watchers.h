// Parked discovery watches (GET …?index=N&wait=30s): a watcher sleeps until
// the index of what it watches passes the one it saw, or its deadline.
// notify() runs after the registry's memory changed, so a watcher that parks
// after a change it has not seen is refused and re-reads instead of
// sleeping through it. Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sb::discovery {

class Watchers {
 public:
  // `changed` true: the index moved (answer with the new state); false: the
  // deadline passed or the registry is closing (answer with what is there).
  using Resume = std::function<void(bool changed)>;

  // Parks unless `key` ("" = every service) already moved past `seen`
  // (returns false: answer now).
  bool park(const std::string& key, int64_t seen, int64_t deadline_steady_ms, Resume resume);
  // `key` and "" reached `index`: resumes the watches that saw less.
  void notify(const std::string& key, int64_t index);
  // Resumes watches whose deadline is <= now.
  void expire(int64_t now_steady_ms);
  void close();
  size_t parked() const;

 private:
  struct Parked {
    int64_t seen;
    int64_t deadline;
    Resume resume;
  };
  struct PerKey {
    int64_t index = 0;  // highest notified
    std::multimap<int64_t, Parked> by_seen;
  };
  void notify_locked(const std::string& key, int64_t index, std::vector<Resume>& out);

  mutable std::mutex mu_;
  std::unordered_map<std::string, PerKey> keys_;  // guarded by mu_
  bool closed_ = false;                           // guarded by mu_
};

}  // namespace sb::discovery
