// LiveFeed — pushes newly committed events to live subscribers (SSE streams,
// in-process watchers such as the config applier). One thread reads each new
// stretch of the log once into a ring of recent events and fans it out. It
// reads only events some subscriber's pattern matches (a busy log of order.*
// events costs nothing while only config.updated is watched); when a
// subscriber brings a pattern the ring was not filled for, the ring restarts
// and that subscriber catches up from the Db.
// subscribers that are behind (resuming with Last-Event-ID) catch up from the
// Db first, then join the ring. Wakes on local commits immediately and polls
// the Db every poll_ms so commits by other instances arrive too.
//
// Subscribers are called on the feed thread and must not block; returning
// false unsubscribes them. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/clock.h"
#include "events/event_log.h"

namespace sb::events {

class LiveSubscriber {
 public:
  virtual ~LiveSubscriber() = default;
  virtual bool deliver(const StoredEvent& e) = 0;
  virtual bool heartbeat() = 0;
};

struct LiveFeedOptions {
  int poll_ms = 1000;
  int heartbeat_ms = 15'000;
  size_t ring_size = 10'000;
};

class LiveFeed {
 public:
  LiveFeed(EventLog& log, const Clock& clock, LiveFeedOptions options = {});
  ~LiveFeed();
  void start();
  void stop();
  // Delivers events matching `pattern` with sequence > after, in order.
  uint64_t subscribe(std::string pattern, int64_t after, std::shared_ptr<LiveSubscriber> sub);
  void unsubscribe(uint64_t id);
  size_t subscriber_count() const;

 private:
  struct Sub {
    std::string pattern;
    int64_t cursor;
    int64_t last_sent_ms;
    std::shared_ptr<LiveSubscriber> sub;
  };
  void run();
  void update_filter();
  void fill_ring();
  bool serve(Sub& s, int64_t now);

  EventLog& log_;
  const Clock& clock_;
  const LiveFeedOptions options_;
  uint64_t listener_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                 // guarded by mu_
  bool dirty_ = false;                    // guarded by mu_: new commit or subscriber
  uint64_t next_id_ = 1;                  // guarded by mu_
  std::map<uint64_t, Sub> pending_;       // guarded by mu_: added, not yet served
  std::vector<uint64_t> removed_;         // guarded by mu_
  // Feed thread only:
  std::map<uint64_t, Sub> subs_;
  std::deque<StoredEvent> ring_;
  int64_t fetched_ = 0;               // every event matching filter_ up to here has been read
  int64_t ring_base_ = 0;             // the ring holds every filter_ match in (ring_base_, fetched_]
  std::vector<std::string> filter_;   // patterns the ring is filled for; empty = no subscriber yet
};

}  // namespace sb::events
