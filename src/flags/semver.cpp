#include "flags/semver.h"

#include <algorithm>

namespace sb::flags {
namespace {

// node-semver's MAX_SAFE_INTEGER bound on each of MAJOR.MINOR.PATCH.
constexpr uint64_t kMaxSafe = (uint64_t{1} << 53) - 1;

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_ident_char(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool numeric_part(std::string_view s, size_t& p, uint64_t& out) {
  size_t start = p;
  out = 0;
  while (p < s.size() && is_digit(s[p])) {
    if (out > kMaxSafe / 10) return false;
    out = out * 10 + static_cast<uint64_t>(s[p] - '0');
    ++p;
  }
  if (p == start || out > kMaxSafe) return false;
  return !(s[start] == '0' && p - start > 1);
}

// Dot-separated identifiers; numeric ones without leading zeros when `strict_numeric`.
bool identifiers(std::string_view s, bool strict_numeric) {
  if (s.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view id = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (id.empty() || !std::all_of(id.begin(), id.end(), is_ident_char)) return false;
    bool numeric = std::all_of(id.begin(), id.end(), is_digit);
    if (strict_numeric && numeric && id.size() > 1 && id[0] == '0') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::string_view next_identifier(std::string_view s, size_t& pos) {
  size_t dot = s.find('.', pos);
  std::string_view id = s.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
  pos = dot == std::string_view::npos ? s.size() + 1 : dot + 1;
  return id;
}

int compare_identifiers(std::string_view a, std::string_view b) {
  bool an = std::all_of(a.begin(), a.end(), is_digit);
  bool bn = std::all_of(b.begin(), b.end(), is_digit);
  if (an && bn) {
    // No leading zeros: the longer number is the larger.
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
    return a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  }
  if (an != bn) return an ? -1 : 1;
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

bool parse_semver(std::string_view s, SemverView& out, bool allow_v) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  if (s.size() > 256) return false;  // node-semver's MAX_LENGTH
  size_t p = 0;
  if (allow_v && p < s.size() && s[p] == 'v') ++p;
  if (!numeric_part(s, p, out.major) || p >= s.size() || s[p++] != '.' ||
      !numeric_part(s, p, out.minor) || p >= s.size() || s[p++] != '.' ||
      !numeric_part(s, p, out.patch))
    return false;
  out.pre = {};
  if (p < s.size() && s[p] == '-') {
    size_t end = s.find('+', p);
    out.pre = s.substr(p + 1, end == std::string_view::npos ? std::string_view::npos : end - p - 1);
    if (!identifiers(out.pre, true)) return false;
    p = end == std::string_view::npos ? s.size() : end;
  }
  if (p < s.size()) {
    if (s[p] != '+' || !identifiers(s.substr(p + 1), false)) return false;
  }
  return true;
}

int compare(const SemverView& a, const SemverView& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  if (a.pre.empty() || b.pre.empty()) {
    if (a.pre.empty() && b.pre.empty()) return 0;
    return a.pre.empty() ? 1 : -1;
  }
  size_t pa = 0, pb = 0;
  while (pa <= a.pre.size() && pb <= b.pre.size()) {
    int c = compare_identifiers(next_identifier(a.pre, pa), next_identifier(b.pre, pb));
    if (c != 0) return c;
  }
  if (pa <= a.pre.size()) return 1;   // a has more identifiers
  if (pb <= b.pre.size()) return -1;
  return 0;
}

}  // namespace sb::flags
