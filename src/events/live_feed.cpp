#include "events/live_feed.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/thread_pool.h"

namespace sb::events {

LiveFeed::LiveFeed(EventLog& log, const Clock& clock, LiveFeedOptions options)
    : log_(log), clock_(clock), options_(options) {}

LiveFeed::~LiveFeed() { stop(); }

void LiveFeed::start() {
  fetched_ = log_.head();
  ring_base_ = fetched_;
  listener_ = log_.add_listener([this](int64_t) {
    {
      std::lock_guard lock(mu_);
      dirty_ = true;
    }
    cv_.notify_one();
  });
  thread_ = std::thread([this] {
    name_this_thread("sb-feed");
    run();
  });
}

void LiveFeed::stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_one();
  if (listener_) log_.remove_listener(listener_);
  if (thread_.joinable()) thread_.join();
}

uint64_t LiveFeed::subscribe(std::string pattern, int64_t after, std::shared_ptr<LiveSubscriber> sub) {
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    pending_[id] = Sub{std::move(pattern), after, clock_.steady_ms(), std::move(sub)};
    dirty_ = true;
  }
  cv_.notify_one();
  return id;
}

void LiveFeed::unsubscribe(uint64_t id) {
  std::lock_guard lock(mu_);
  removed_.push_back(id);
  pending_.erase(id);
}

size_t LiveFeed::subscriber_count() const {
  std::lock_guard lock(mu_);
  return subs_.size() + pending_.size();
}

namespace {
// True when every event `pattern` matches is matched by one of `filter`.
bool covered(const std::vector<std::string>& filter, const std::string& pattern) {
  for (const auto& f : filter) {
    if (f == "*" || f == pattern) return true;
    // "user.*" covers "user.created" and "user.mfa.*".
    if (f.size() > 2 && f.ends_with(".*") && pattern.compare(0, f.size() - 1, f, 0, f.size() - 1) == 0) return true;
  }
  return false;
}
}  // namespace

void LiveFeed::update_filter() {
  bool grows = false;
  for (const auto& [id, s] : subs_) grows |= !covered(filter_, s.pattern);
  if (!grows) return;  // a filter wider than needed only reads a little more
  std::vector<std::string> next;
  for (const auto& [id, s] : subs_)
    if (!covered(next, s.pattern)) next.push_back(s.pattern);
  filter_ = std::move(next);
  // The ring lacks the new patterns' events: start it afresh at fetched_;
  // subscribers behind catch up from the Db (serve()).
  ring_.clear();
  ring_base_ = fetched_;
}

void LiveFeed::fill_ring() {
  if (filter_.empty()) {
    fetched_ = std::max(fetched_, log_.head());
    ring_base_ = fetched_;
    return;
  }
  for (;;) {
    // Everything committed up to `head` is visible to the read that follows
    // (sequences follow commit order), so once a short page comes back the
    // ring is complete up to `head` even if the last matches were earlier.
    int64_t head = log_.head();
    Query q;
    q.any_type_patterns = filter_;
    q.after = fetched_;
    q.limit = 1000;
    auto batch = log_.read(q);
    if (!batch.ok()) {
      spdlog::warn("live feed: read failed: {}", batch.status().to_string());
      return;
    }
    for (auto& e : *batch) {
      fetched_ = e.sequence;
      ring_.push_back(std::move(e));
      if (ring_.size() > options_.ring_size) {
        ring_base_ = ring_.front().sequence;
        ring_.pop_front();
      }
    }
    if (batch->size() < 1000) {
      fetched_ = std::max(fetched_, head);
      return;
    }
  }
}

bool LiveFeed::serve(Sub& s, int64_t now) {
  // Behind the ring: catch up from the Db in pages, then continue from the ring.
  const int64_t ring_start = ring_base_ + 1;
  while (s.cursor < ring_base_) {
    Query q;
    q.type_pattern = s.pattern;
    q.after = s.cursor;
    q.limit = 500;
    auto page = log_.read(q);
    if (!page.ok()) return true;  // try again next round
    for (auto& e : *page) {
      if (e.sequence >= ring_start) break;
      if (!s.sub->deliver(e)) return false;
      s.cursor = e.sequence;
      s.last_sent_ms = now;
    }
    if (page->size() < 500 || (!page->empty() && page->back().sequence >= ring_start)) {
      s.cursor = std::max(s.cursor, ring_start - 1);
      break;
    }
  }
  // The ring is ordered by sequence: start right after the cursor.
  auto from = std::upper_bound(ring_.begin(), ring_.end(), s.cursor,
                               [](int64_t c, const StoredEvent& e) { return c < e.sequence; });
  for (auto it = from; it != ring_.end(); ++it) {
    const StoredEvent& e = *it;
    if (matches(s.pattern, e.type)) {
      if (!s.sub->deliver(e)) return false;
      s.last_sent_ms = now;
    }
    s.cursor = e.sequence;
  }
  // The ring holds every event the filter (which covers this pattern) matches
  // up to fetched_: nothing between the last ring event and fetched_ is for us.
  s.cursor = std::max(s.cursor, fetched_);
  if (now - s.last_sent_ms >= options_.heartbeat_ms) {
    if (!s.sub->heartbeat()) return false;
    s.last_sent_ms = now;
  }
  return true;
}

void LiveFeed::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_ms), [&] { return stopping_ || dirty_; });
      if (stopping_) break;
      dirty_ = false;
      for (auto& [id, s] : pending_) subs_.emplace(id, std::move(s));
      pending_.clear();
      for (auto id : removed_) subs_.erase(id);
      removed_.clear();
    }
    update_filter();
    fill_ring();
    int64_t now = clock_.steady_ms();
    for (auto it = subs_.begin(); it != subs_.end();) {
      if (serve(it->second, now)) ++it;
      else it = subs_.erase(it);
    }
  }
  subs_.clear();
}

}  // namespace sb::events
