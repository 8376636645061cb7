// Coalesces the cross-thread wake-ups one thread makes while it completes
// many operations at once. The store's writer finishing a group commit
// answers dozens of requests; each answer must wake an io thread, and every
// wake is a futex plus an epoll_ctl, and on a busy core a context switch to
// the woken thread before the next answer is even handed over. Inside a
// WakeBatch, wakes queue up and run once, when the batch ends.
#pragma once

#include <functional>

namespace sb {

class WakeBatch {
 public:
  WakeBatch();
  ~WakeBatch();
  WakeBatch(const WakeBatch&) = delete;
  WakeBatch& operator=(const WakeBatch&) = delete;

  // Runs `wake` now, or when the innermost WakeBatch on this thread ends.
  // Callers make each wake idempotent (one drain per burst), so deferring
  // changes only when, never whether, it runs.
  static void run_or_defer(std::function<void()> wake);
  // Runs the wakes deferred so far on this thread now; the batch stays open.
  // For a completion that is about to wait on the woken threads' next move.
  static void flush();
};

}  // namespace sb
