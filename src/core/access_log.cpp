#include "core/access_log.h"

#include <unistd.h>

namespace sb::log {
namespace {
constexpr size_t kFlushAt = 64 << 10;
thread_local std::string t_buffer;

void write_all(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;  // a broken log pipe must never stop the server
    off += static_cast<size_t>(n);
  }
}
}  // namespace

void AccessLog::append(std::string_view line) {
  if (fd_ < 0) return;
  t_buffer.append(line);
  t_buffer.push_back('\n');
  if (t_buffer.size() >= kFlushAt) flush_this_thread();
}

void AccessLog::flush_this_thread() {
  if (fd_ < 0 || t_buffer.empty()) return;
  write_all(fd_, t_buffer);
  t_buffer.clear();
}

}  // namespace sb::log
