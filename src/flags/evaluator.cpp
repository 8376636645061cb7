// Evaluator: readers take no mutex. Each Evaluator has a generation counter
// bumped (release) after every publish; a reader compares it (acquire) with
// the generation its thread cached alongside a shared_ptr to the set, and
// only on a change reloads the pointer from a std::atomic<shared_ptr>. So
// the steady-state read is one atomic load and a thread_local lookup: no
// reference count is touched and no cache line is written that other
// readers share. The reload happens once per thread per publish; libstdc++'s
// atomic<shared_ptr> guards that swap with a spin bit in the pointer word
// (not a futex mutex), held for a few instructions by a publisher.
// (A plain atomic<shared_ptr> load on every read would bump the shared
// reference count, a contended cache line with many reader threads.)
#include <atomic>
#include <mutex>

#include "flags/evaluator.h"

namespace sb::flags {
namespace {

// Tells Evaluators apart in a thread's cache even when one is destroyed and
// another is allocated at the same address.
std::atomic<uint64_t> g_next_serial{1};

}  // namespace

struct Evaluator::Impl {
  // immutable after construction
  const uint64_t serial = g_next_serial.fetch_add(1, std::memory_order_relaxed);
  std::atomic<std::shared_ptr<const FlagSet>> current{FlagSet::empty()};
  std::atomic<uint64_t> generation{1};
  std::mutex publish_mu;  // publishers only: keeps generation order = store order

  // The set this thread last saw for this evaluator.
  const FlagSet& read() const {
    struct Slot {
      uint64_t serial = 0;
      uint64_t generation = 0;
      std::shared_ptr<const FlagSet> set;
    };
    // A few slots: a thread typically reads one or two environments. A slot
    // holds its set alive until reused, so a retired set lingers in threads
    // that have not read since (at most kSlots sets per thread).
    constexpr size_t kSlots = 4;
    thread_local Slot slots[kSlots];
    thread_local size_t next_victim = 0;
    uint64_t gen = generation.load(std::memory_order_acquire);
    Slot* slot = nullptr;
    for (Slot& s : slots)
      if (s.serial == serial) slot = &s;
    if (!slot) {
      slot = &slots[next_victim++ % kSlots];
      slot->serial = serial;
      slot->generation = 0;
    }
    if (slot->generation != gen) {
      slot->set = current.load(std::memory_order_acquire);
      slot->generation = gen;
    }
    return *slot->set;
  }
};

Evaluator::Evaluator() : impl_(std::make_unique<Impl>()) {}
Evaluator::~Evaluator() = default;

void Evaluator::publish(std::shared_ptr<const FlagSet> set) {
  if (!set) set = FlagSet::empty();
  std::lock_guard lock(impl_->publish_mu);
  impl_->current.store(std::move(set), std::memory_order_release);
  impl_->generation.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const FlagSet> Evaluator::snapshot() const {
  return impl_->current.load(std::memory_order_acquire);
}

bool Evaluator::is_enabled(std::string_view flag, const Context& ctx) const {
  return impl_->read().is_enabled(flag, ctx);
}

Evaluator::OwnedVariant Evaluator::variant(std::string_view flag, const Context& ctx) const {
  const FlagSet& set = impl_->read();
  Variant v = set.variant(flag, ctx);
  OwnedVariant out{std::string(v.name), v.enabled, v.feature_enabled, std::nullopt};
  if (v.payload) out.payload = *v.payload;
  return out;
}

}  // namespace sb::flags
