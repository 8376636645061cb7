// EventLog — the durable, ordered log every state change is written to.
//
// append() takes the caller's transaction, so a state change and the events it
// causes commit together (the log is the outbox). publish() runs its own
// transaction through the store's group commit and reports only after the
// commit is durable. Appends are idempotent on (source, id): a duplicate
// returns the sequence of the event already stored.
//
// Sequences are strictly increasing in commit order (not necessarily
// contiguous), so a reader that remembers the last sequence it saw never
// misses an event. Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "events/event.h"
#include "store/coalescing_writer.h"

namespace sb::store { class Db; class Tx; }
namespace sb::metrics { class Registry; class Counter; class Histogram; }

namespace sb::events {

struct Appended {
  int64_t sequence;
  std::string id;
  bool duplicate;  // already in the log; nothing new was written
};

struct Query {
  std::string type_pattern = "*";
  std::string subject;  // exact match, empty = any
  int64_t after = 0;    // sequence
  int limit = 100;
  // When non-empty: events matching any of these patterns (type_pattern is
  // then ignored). The live feed reads only what its subscribers want.
  std::vector<std::string> any_type_patterns;
};

// A stored event as read back: the sequence and the full envelope JSON.
struct StoredEvent {
  int64_t sequence;
  std::string type;
  std::string envelope;  // with "sequence"
};

class EventLog {
 public:
  EventLog(store::Db& db, const Clock& clock, metrics::Registry* metrics = nullptr);

  // Appends inside the caller's write transaction. Fills in time if unset.
  Result<std::vector<Appended>> append(store::Tx& tx, std::vector<Event> events);
  Result<Appended> append(store::Tx& tx, Event event);

  // Appends in a transaction of its own; `done` runs once durable (or failed).
  using PublishDone = std::function<void(Result<std::vector<Appended>>)>;
  void publish_async(std::vector<Event> events, PublishDone done);
  Result<std::vector<Appended>> publish(std::vector<Event> events);

  Result<std::vector<StoredEvent>> read(const Query& q) const;
  // Highest sequence committed (this instance's view; refresh() re-reads the Db).
  int64_t head() const { return head_.load(); }
  Result<int64_t> refresh();

  // Called (on a store thread, must not block) after events commit in this
  // process, with the new head. Returns a handle for remove_listener.
  uint64_t add_listener(std::function<void(int64_t head)> fn);
  void remove_listener(uint64_t id);

  const Clock& clock() const { return clock_; }

 private:
  void advance_head(int64_t seq);

  store::Db& db_;
  const Clock& clock_;
  metrics::Counter* appended_ = nullptr;
  metrics::Histogram* group_size_ = nullptr;  // events per coalesced publish write
  std::atomic<int64_t> head_{0};
  std::atomic<bool> telling_{false};  // listeners are to hear of head_ when the commit's wakes run
  std::mutex mu_;
  uint64_t next_listener_ = 1;                                        // guarded by mu_
  std::map<uint64_t, std::function<void(int64_t)>> listeners_;  // guarded by mu_
  // Concurrent publishes are written together (store/coalescing_writer.h).
  // Last: it calls append(), which uses the members above.
  store::CoalescingWriter<std::vector<Event>, Appended> publisher_;
};

}  // namespace sb::events
