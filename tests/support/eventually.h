// Bounded polling for effects that happen on other threads or processes
// (config propagation, webhook delivery): checks `ok` every 20 ms until it
// holds or `timeout` passes. A deadline, not a sleep that guesses a duration.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace sb::test {

inline bool eventually(const std::function<bool()>& ok,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ok();
}

}  // namespace sb::test
