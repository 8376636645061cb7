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

void append_json_string(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the pending run of characters that need no escape
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

}  // namespace sb::log
