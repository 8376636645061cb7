#include "discovery/checker.h"

#include <random>

#include "core/thread_pool.h"
#include "discovery/probes.h"
#include "store/db.h"

#include <spdlog/spdlog.h>

namespace sb::discovery {

Checker::Checker(Registry& registry, const Clock& clock, CheckerOptions options)
    : registry_(registry), clock_(clock), options_(std::move(options)) {
  workers_ = std::make_unique<ThreadPool>(options_.workers, "sb-check");
}

Checker::~Checker() { stop(); }

void Checker::start() {
  thread_ = std::thread([this] {
    name_this_thread("sb-discovery");
    std::unique_lock lock(mu_);
    while (!stopping_) {
      lock.unlock();
      tick();
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(options_.tick_ms), [&] { return stopping_; });
    }
  });
}

void Checker::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (workers_) workers_->stop();
}

Status Checker::renew_lease(int64_t now) {
  // Renew at half the lease; others try again once it could have run out.
  if (holds_ && now < lease_until_ - options_.lease_ms / 2) return {};
  if (!holds_ && now < next_attempt_) return {};
  int64_t until = now + options_.lease_ms;
  int64_t n = 0;
  Status st = registry_.db().write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(n, tx.exec("UPDATE discovery_lease SET owner = $1, until_ms = $2 WHERE id = 1 AND "
                         "(until_ms < $3 OR owner = $1)",
                         {options_.owner, until, now}));
    return {};
  });
  bool held = st && n == 1;
  if (held && !holds_) {
    std::lock_guard lock(mu_);
    states_.clear();  // another holder's counters are not ours to continue
  }
  holds_ = held;
  lease_until_ = held ? until : 0;
  next_attempt_ = now + options_.lease_ms / 2;
  return st;
}

void Checker::tick() {
  if (options_.on_tick) options_.on_tick(clock_.steady_ms());
  int64_t now = clock_.now_ms();
  if (Status st = renew_lease(now); !st) spdlog::warn("discovery: lease: {}", st.to_string());
  if (!holds_) return;
  if (auto swept = registry_.sweep(); !swept.ok()) spdlog::warn("discovery: sweep: {}", swept.status().to_string());
  run_due_checks(now);
}

void Checker::run_due_checks(int64_t now) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::vector<Instance> due;
  {
    std::lock_guard lock(mu_);
    std::map<std::pair<std::string, std::string>, State> live;
    for (const auto& svc : registry_.services())
      for (const auto& in : svc->instances) {
        if (!in.check.active()) continue;
        auto key = std::make_pair(in.service, in.id);
        auto it = states_.find(key);
        State st = it == states_.end() ? State{} : it->second;
        if (!st.in_flight && st.next_at <= now) {
          std::uniform_int_distribution<int64_t> jitter(-in.check.interval_ms / 10, in.check.interval_ms / 10);
          st.next_at = now + in.check.interval_ms + jitter(rng);
          st.in_flight = true;
          ++in_flight_;
          due.push_back(in);
        }
        live.emplace(key, st);
      }
    states_ = std::move(live);  // deregistered instances drop out
  }
  for (auto& in : due) {
    auto task = [this, in] {
      Status result = !in.check.http.empty() ? http_probe(in.check.http, in.check.timeout_ms, in.check.expect_status)
                                             : tcp_probe(in.check.tcp, in.check.timeout_ms);
      record(in, std::move(result));
    };
    if (workers_->submit(task) != Submitted::kQueued) {
      std::lock_guard lock(mu_);
      --in_flight_;
      if (auto it = states_.find({in.service, in.id}); it != states_.end()) it->second.in_flight = false;
    }
  }
}

void Checker::record(const Instance& in, Status result) {
  std::optional<std::pair<Health, std::string>> verdict;
  {
    std::lock_guard lock(mu_);
    auto it = states_.find({in.service, in.id});
    if (it != states_.end()) {
      State& st = it->second;
      st.in_flight = false;
      if (result) {
        st.fails = 0;
        ++st.passes;
      } else {
        st.passes = 0;
        ++st.fails;
      }
      // The registry's current health, not the one when the probe started.
      Health now = Health::kCritical;
      std::string output;
      for (const auto& cur : registry_.service(in.service)->instances)
        if (cur.id == in.id) now = cur.health, output = cur.output;
      if (now == Health::kCritical && st.passes >= in.check.healthy_threshold)
        verdict.emplace(Health::kPassing, "");
      else if (now == Health::kPassing && st.fails >= in.check.unhealthy_threshold)
        verdict.emplace(Health::kCritical, result.message());
      else if (now == Health::kCritical && !result && output != result.message())
        verdict.emplace(Health::kCritical, result.message());  // still critical: say why now
    }
  }
  if (verdict) {
    if (Status st = registry_.set_health(in.service, in.id, verdict->first, verdict->second); !st)
      spdlog::warn("discovery: recording {} of {}/{}: {}", health_name(verdict->first), in.service, in.id,
                   st.to_string());
  }
  std::lock_guard lock(mu_);
  --in_flight_;
  cv_.notify_all();
}

void Checker::drain() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return in_flight_ == 0; });
}

}  // namespace sb::discovery
