// AccessLog — one JSON line per HTTP request without slowing requests down.
// Each io thread appends to its own buffer (no lock, no cross-thread wakeup);
// a buffer is written to the output with one write(2) when it passes 64 KiB,
// and the server flushes every thread's buffer every 250 ms and at shutdown.
// Handing each line to a logging thread instead cost ~30% of /health
// throughput here (docs/benchmarks.md).
#pragma once

#include <string>
#include <string_view>

namespace sb::log {

class AccessLog {
 public:
  // fd 1 (stdout) by default; -1 disables.
  explicit AccessLog(int fd = 1) : fd_(fd) {}
  bool enabled() const { return fd_ >= 0; }
  // Appends `line` + '\n' to the calling thread's buffer.
  void append(std::string_view line);
  // Writes the calling thread's buffer.
  void flush_this_thread();

 private:
  int fd_;
};

}  // namespace sb::log
