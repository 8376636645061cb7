// store::CoalescingWriter — the store's second grouping level, for many small
// writes of one kind (single-event publishes): items are written together in
// one callback, so the callback can use multi-row statements. Together with
// WriteBatcher (which groups callbacks into one commit) this is the whole of
// group commit, and both live here in store/:
//
//   - one coalesced write in flight at a time; items submitted meanwhile wait
//     and go together in the next, up to Options::max_weight units;
//   - after a large group (>= busy_group units) the writer waits up to
//     gather_window for the next items (the clients just answered send their
//     next ones within a few hundred microseconds), so the next commit is a
//     full one instead of one item and then the rest;
//   - if a group's write fails, each item is retried alone, so one bad item
//     does not fail the others with it.
//
// `write` gets the items of a group in order and returns one Out per unit of
// weight, in order; each item's Done gets its own slice. Done runs on a store
// thread and must not block. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/result.h"
#include "core/wake_batch.h"
#include "store/db.h"

namespace sb::store {

struct CoalescingOptions {
  size_t max_weight = 2048;  // units per coalesced write
  size_t busy_group = 8;     // a group this large means writers are queuing
  std::chrono::microseconds gather_window{300};
};

template <typename Item, typename Out>
class CoalescingWriter {
 public:
  using Done = std::function<void(Result<std::vector<Out>>)>;
  using Write = std::function<Result<std::vector<Out>>(Tx& tx, std::vector<Item*>& items)>;
  // Called with each group's weight (a metrics histogram), may be empty.
  using Observe = std::function<void(size_t weight)>;

  CoalescingWriter(Db& db, Write write, CoalescingOptions options = {}, Observe observe = {})
      : db_(db), write_(std::move(write)), options_(options), observe_(std::move(observe)) {}

  void submit(Item item, size_t weight, Done done) {
    {
      std::lock_guard lock(mu_);
      pending_weight_ += weight;
      pending_.push_back({std::move(item), weight, std::move(done)});
      if (flushing_) {  // the write in flight will pick this up next
        cv_.notify_one();
        return;
      }
      flushing_ = true;
    }
    flush();
  }

 private:
  struct Pending {
    Item item;
    size_t weight;
    Done done;
  };
  using Group = std::vector<Pending>;

  void flush() {
    auto group = std::make_shared<Group>();
    size_t weight = 0;
    {
      std::lock_guard lock(mu_);
      size_t take = 0;
      while (take < pending_.size() && (take == 0 || weight + pending_[take].weight <= options_.max_weight))
        weight += pending_[take++].weight;
      group->assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(pending_.begin() + take));
      pending_.erase(pending_.begin(), pending_.begin() + take);
      pending_weight_ -= weight;
    }
    if (observe_) observe_(weight);
    auto results = std::make_shared<std::vector<Out>>();
    db_.write_async(
        [this, group, results](Tx& tx) -> Status {
          std::vector<Item*> items;
          items.reserve(group->size());
          for (auto& p : *group) items.push_back(&p.item);
          SB_ASSIGN(*results, write_(tx, items));
          return {};
        },
        [this, group, results, weight](Status s) {
          if (s) answer(*group, *results);
          else if (group->size() == 1) (*group)[0].done(s);
          else retry_each(*group);
          // The answers reach their io threads now, not after the wait below:
          // the wait is for those clients' next writes (core/wake_batch.h).
          WakeBatch::flush();
          bool more;
          {
            std::unique_lock lock(mu_);
            if (pending_weight_ < weight / 2 && weight >= options_.busy_group)
              cv_.wait_for(lock, options_.gather_window, [&] { return pending_weight_ >= weight / 2; });
            more = !pending_.empty();
            if (!more) flushing_ = false;
          }
          if (more) flush();
        });
  }

  static void answer(Group& group, std::vector<Out>& results) {
    size_t at = 0;
    for (auto& p : group) {
      std::vector<Out> mine(std::make_move_iterator(results.begin() + at),
                            std::make_move_iterator(results.begin() + at + p.weight));
      at += p.weight;
      p.done(std::move(mine));
    }
  }

  void retry_each(Group& group) {
    for (auto& p : group) {
      auto one = std::make_shared<Pending>(std::move(p));
      auto res = std::make_shared<std::vector<Out>>();
      db_.write_async(
          [this, one, res](Tx& tx) -> Status {
            std::vector<Item*> items{&one->item};
            SB_ASSIGN(*res, write_(tx, items));
            return {};
          },
          [one, res](Status st) {
            if (st) one->done(std::move(*res));
            else one->done(st);
          });
    }
  }

  Db& db_;
  const Write write_;
  const CoalescingOptions options_;
  const Observe observe_;
  std::mutex mu_;
  std::vector<Pending> pending_;  // guarded by mu_
  size_t pending_weight_ = 0;     // guarded by mu_
  bool flushing_ = false;         // guarded by mu_
  std::condition_variable cv_;    // an item was queued while flushing
};

}  // namespace sb::store
