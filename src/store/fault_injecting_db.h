// store::FaultInjectingDb — forwards to a real Db and fails on command, for
// durability tests ("nothing acknowledged is lost", "a failed write leaves
// nothing behind", retries after an unknown outcome). LevelDB tests its
// recovery the same way: the real engine underneath, faults injected at the
// door. Not used in production wiring.
//
// Faults, each counted from the moment it is armed:
//   kRollback   the nth write fails before its commit: its changes are
//               rolled back, its after-commit hooks never run, and the
//               caller gets Unavailable (disk full, connection lost mid-way).
//   kLostAck    the nth write commits, but the caller gets Unavailable, as
//               when fsync fails or the connection drops after COMMIT: the
//               outcome is unknown to the caller although the data is there.
//   unavailable every read and write fails at once (database down).
//   paused      writes wait, not run, until resume_writes(): a slow or
//               stalled commit, with the test deciding when it completes.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <deque>
#include <mutex>

#include "store/db.h"

namespace sb::store {

class FaultInjectingDb final : public Db {
 public:
  enum class Fault { kRollback, kLostAck };

  // `inner` must outlive this.
  explicit FaultInjectingDb(Db& inner) : inner_(inner) {}

  // The nth write from now (1 = the next one) fails as `how` says.
  void fail_write(int nth, Fault how);
  void set_unavailable(bool down) { unavailable_ = down; }
  void pause_writes();
  // Runs the writes held since pause_writes(), in order.
  void resume_writes();
  // Writes submitted through this wrapper so far (including failed ones).
  int writes_seen() const { return writes_.load(); }

  Engine engine() const override { return inner_.engine(); }
  void write_async(TxFn fn, Done done) override;
  Status read(const TxFn& fn) override;
  Status ping() override;
  void close() override;

 private:
  void forward(TxFn fn, Done done, int number);

  Db& inner_;
  std::atomic<int> writes_{0};
  std::atomic<bool> unavailable_{false};
  std::mutex mu_;
  int fail_at_ = 0;                               // guarded by mu_: write number that fails; 0 = none
  Fault fault_ = Fault::kRollback;                // guarded by mu_
  bool paused_ = false;                           // guarded by mu_
  struct Held {
    TxFn fn;
    Done done;
    int number;  // which write it was, for fail_write
  };
  std::deque<Held> held_;  // guarded by mu_
};

}  // namespace sb::store
