#include "core/wake_batch.h"

#include <vector>

namespace sb {
namespace {
thread_local int depth = 0;
thread_local std::vector<std::function<void()>> deferred;
}  // namespace

WakeBatch::WakeBatch() { ++depth; }

WakeBatch::~WakeBatch() {
  if (--depth == 0) flush();
}

void WakeBatch::flush() {
  std::vector<std::function<void()>> wakes;
  wakes.swap(deferred);
  for (auto& w : wakes) w();
}

void WakeBatch::run_or_defer(std::function<void()> wake) {
  if (depth > 0) deferred.push_back(std::move(wake));
  else wake();
}

}  // namespace sb
