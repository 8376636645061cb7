#include "flags/ip_range.h"

#include <charconv>

namespace sb::flags {
namespace {

bool parse_v4(std::string_view s, uint8_t* out) {
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (s.empty() || s.front() != '.') return false;
      s.remove_prefix(1);
    }
    unsigned v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    size_t n = static_cast<size_t>(end - s.data());
    if (ec != std::errc() || n == 0 || n > 3 || v > 255 || (n > 1 && s[0] == '0')) return false;
    out[i] = static_cast<uint8_t>(v);
    s.remove_prefix(n);
  }
  return s.empty();
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 4291 §2.2 text forms: eight groups, one "::" standing for zero groups,
// and an optional dotted IPv4 tail taking the last two.
bool parse_v6(std::string_view s, uint8_t* out) {
  uint16_t groups[8] = {};
  int n = 0, gap = -1;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    s.remove_prefix(2);
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  while (!s.empty()) {
    if (n == 8) return false;
    size_t len = 0;
    unsigned v = 0;
    while (len < s.size() && len < 5 && hex(s[len]) >= 0) v = v * 16 + static_cast<unsigned>(hex(s[len++]));
    if (len < s.size() && s[len] == '.') {
      if (n > 6) return false;
      uint8_t v4[4];
      if (!parse_v4(s, v4)) return false;
      groups[n++] = static_cast<uint16_t>(v4[0] << 8 | v4[1]);
      groups[n++] = static_cast<uint16_t>(v4[2] << 8 | v4[3]);
      s = {};
      break;
    }
    if (len == 0 || len > 4) return false;
    groups[n++] = static_cast<uint16_t>(v);
    s.remove_prefix(len);
    if (s.empty()) break;
    if (s[0] != ':') return false;
    s.remove_prefix(1);
    if (!s.empty() && s[0] == ':') {
      if (gap >= 0) return false;
      gap = n;
      s.remove_prefix(1);
    } else if (s.empty()) {
      return false;  // a trailing single ':'
    }
  }
  if (gap < 0 ? n != 8 : n > 7) return false;
  uint16_t full[8] = {};
  int tail = gap < 0 ? 0 : n - gap;
  for (int i = 0; i < (gap < 0 ? n : gap); ++i) full[i] = groups[i];
  for (int i = 0; i < tail; ++i) full[8 - tail + i] = groups[gap + i];
  for (int i = 0; i < 8; ++i) {
    out[2 * i] = static_cast<uint8_t>(full[i] >> 8);
    out[2 * i + 1] = static_cast<uint8_t>(full[i] & 0xff);
  }
  return true;
}

}  // namespace

bool IpRange::parse(std::string_view text, IpRange& out) {
  out = IpRange{};
  std::string_view addr = text;
  size_t slash = text.find('/');
  if (slash != std::string_view::npos) addr = text.substr(0, slash);
  out.v6 = addr.find(':') != std::string_view::npos;
  if (!(out.v6 ? parse_v6(addr, out.bytes.data()) : parse_v4(addr, out.bytes.data()))) return false;
  unsigned max = out.v6 ? 128 : 32;
  out.prefix = static_cast<uint8_t>(max);
  if (slash != std::string_view::npos) {
    std::string_view p = text.substr(slash + 1);
    unsigned v = 0;
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
    if (ec != std::errc() || end != p.data() + p.size() || p.empty() || v > max) return false;
    out.prefix = static_cast<uint8_t>(v);
  }
  return true;
}

bool IpRange::contains(const IpRange& a) const {
  if (a.v6 != v6) return false;
  unsigned full = prefix / 8, rest = prefix % 8;
  for (unsigned i = 0; i < full; ++i)
    if (a.bytes[i] != bytes[i]) return false;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a.bytes[full] & mask) == (bytes[full] & mask);
}

}  // namespace sb::flags
