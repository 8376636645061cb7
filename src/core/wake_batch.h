// Coalesces the cross-thread wake-ups one thread makes while it completes
// many operations at once. The store's writer finishing a group commit
// answers dozens of requests; each answer must wake an io thread, and every
// wake is a futex plus an epoll_ctl, and on a busy core a context switch to
// the woken thread before the next answer is even handed over. Inside a
// WakeBatch, wakes queue up and run once, when the batch ends.
//
// The contract, across three layers that do not include each other:
//   store::WriteBatcher::run_batch  opens a WakeBatch around the done()
//       callbacks of one commit (the only place a batch is opened);
//   http::ResponseInbox::deliver    (server.cpp) defers its wake of an io
//       thread with run_or_defer, so a commit answering 50 requests on one
//       io thread posts one drain, not 50;
//   store::CoalescingWriter (the event log's publishes) calls flush() from
//       inside its done() before it waits for the next items (the gather
//       window): the answers must reach the clients now, or their next
//       publishes (what the window waits for) could never arrive.
// Anything else running inside a done() callback may defer wakes the same
// way; code that waits inside a done() callback must flush() first.
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
