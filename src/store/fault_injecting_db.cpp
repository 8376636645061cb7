#include "store/fault_injecting_db.h"

namespace sb::store {

namespace {
Status injected(const char* what) { return Status::unavailable(std::string("injected fault: ") + what); }
}  // namespace

void FaultInjectingDb::fail_write(int nth, Fault how) {
  std::lock_guard lock(mu_);
  fail_at_ = writes_.load() + nth;
  fault_ = how;
}

void FaultInjectingDb::pause_writes() {
  std::lock_guard lock(mu_);
  paused_ = true;
}

void FaultInjectingDb::resume_writes() {
  std::deque<Held> held;
  {
    std::lock_guard lock(mu_);
    paused_ = false;
    held.swap(held_);
  }
  for (auto& h : held) forward(std::move(h.fn), std::move(h.done), h.number);
}

void FaultInjectingDb::write_async(TxFn fn, Done done) {
  if (unavailable_) return done(injected("database unavailable"));
  int number = ++writes_;
  {
    std::lock_guard lock(mu_);
    if (paused_) {
      held_.push_back({std::move(fn), std::move(done), number});
      return;
    }
  }
  forward(std::move(fn), std::move(done), number);
}

void FaultInjectingDb::forward(TxFn fn, Done done, int number) {
  Fault how;
  {
    std::lock_guard lock(mu_);
    if (number != fail_at_) return inner_.write_async(std::move(fn), std::move(done));
    how = fault_;
    fail_at_ = 0;
  }
  if (how == Fault::kRollback) {
    // The callback's work happens, then its own failure rolls it back.
    return inner_.write_async(
        [fn = std::move(fn)](Tx& tx) -> Status {
          SB_TRY(fn(tx));
          return injected("commit failed; rolled back");
        },
        std::move(done));
  }
  inner_.write_async(std::move(fn), [done = std::move(done)](Status s) {
    done(s ? injected("commit outcome lost (fsync or connection failed after COMMIT)") : s);
  });
}

Status FaultInjectingDb::read(const TxFn& fn) {
  if (unavailable_) return injected("database unavailable");
  return inner_.read(fn);
}

Status FaultInjectingDb::ping() {
  if (unavailable_) return injected("database unavailable");
  return inner_.ping();
}

void FaultInjectingDb::close() {
  resume_writes();  // nothing held is dropped silently
  inner_.close();
}

}  // namespace sb::store
