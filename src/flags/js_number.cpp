#include "flags/js_number.h"

#include <charconv>
#include <limits>

namespace sb::flags {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

bool radix_integer(std::string_view s, int base, double& out) {
  if (s.empty()) return false;
  double v = 0;
  for (char c : s) {
    int d = digit_value(c);
    if (d >= base) return false;
    v = v * base + d;
  }
  out = v;
  return true;
}

}  // namespace

bool js_number(std::string_view s, double& out) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  if (s.empty()) {
    out = 0;
    return true;
  }
  if (s.size() > 2 && s[0] == '0') {
    char x = s[1];
    if (x == 'x' || x == 'X') return radix_integer(s.substr(2), 16, out);
    if (x == 'o' || x == 'O') return radix_integer(s.substr(2), 8, out);
    if (x == 'b' || x == 'B') return radix_integer(s.substr(2), 2, out);
  }
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "Infinity") {
    out = (negative ? -1 : 1) * std::numeric_limits<double>::infinity();
    return true;
  }
  // from_chars also reads "inf", "nan" and hex floats, which Number() does not.
  if (s.empty() || !((s[0] >= '0' && s[0] <= '9') || s[0] == '.')) return false;
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::general);
  if (end != s.data() + s.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    // Number("1e400") is Infinity, Number("1e-400") is 0.
    bool tiny = s.find("e-") != std::string_view::npos || s.find("E-") != std::string_view::npos;
    v = tiny ? 0 : std::numeric_limits<double>::infinity();
  } else if (ec != std::errc()) {
    return false;
  }
  out = negative ? -v : v;
  return true;
}

}  // namespace sb::flags
