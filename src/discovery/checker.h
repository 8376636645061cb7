// discovery::Checker — the registry's clock: on every instance it expires
// parked watches; on the one instance holding the lease (a row in the store,
// renewed at half its length) it sweeps TTLs and deregister delays and runs
// the active HTTP/TCP checks, each on its interval with ±10% jitter, moving an
// instance's health only after its healthy/unhealthy threshold of
// consecutive results. A new lease holder starts its counters afresh.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/result.h"
#include "discovery/registry.h"

namespace sb { class ThreadPool; }

namespace sb::discovery {

struct CheckerOptions {
  int64_t tick_ms = 200;
  int64_t lease_ms = 5'000;
  int workers = 4;  // probes in flight at once
  std::string owner;  // this process's lease identity (unique per process)
  // Runs every tick on the checker thread (expiring parked watches).
  std::function<void(int64_t now_steady_ms)> on_tick;
};

class Checker {
 public:
  Checker(Registry& registry, const Clock& clock, CheckerOptions options);
  ~Checker();
  void start();
  void stop();

  // One pass, on the caller's thread: lease, sweep, due checks (their
  // probes run on the workers). Tests drive it with a ManualClock.
  void tick();
  bool holds_lease() const { return holds_.load(); }
  // Waits until no probe is in flight (tests).
  void drain();

 private:
  struct State {
    int64_t next_at = 0;
    int passes = 0;
    int fails = 0;
    bool in_flight = false;
  };
  Status renew_lease(int64_t now);
  void run_due_checks(int64_t now);
  void record(const Instance& in, Status result);

  Registry& registry_;
  const Clock& clock_;
  CheckerOptions options_;
  std::unique_ptr<ThreadPool> workers_;
  std::atomic<bool> holds_{false};
  int64_t lease_until_ = 0;  // checker thread only
  int64_t next_attempt_ = 0;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::pair<std::string, std::string>, State> states_;  // guarded by mu_
  int in_flight_ = 0;                                            // guarded by mu_
  std::thread thread_;
};

}  // namespace sb::discovery
