#include "events/attribute_syntax.h"

#include <boost/url/parse.hpp>

#include <array>
#include <string_view>

namespace sb::events {

namespace {

constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
// RFC 2045 token characters: visible ASCII except tspecials; one lookup each.
constexpr std::array<bool, 256> kToken = [] {
  std::array<bool, 256> t{};
  for (int c = 0x21; c < 0x7f; ++c)
    t[c] = std::string_view("()<>@,;:\\\"/[]?=").find(static_cast<char>(c)) == std::string_view::npos;
  return t;
}();
bool is_token_char(char c) { return kToken[static_cast<unsigned char>(c)]; }

bool token(std::string_view s, size_t& i) {
  size_t start = i;
  while (i < s.size() && is_token_char(s[i])) ++i;
  return i > start;
}

void skip_ows(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

bool quoted_string(std::string_view s, size_t& i) {
  auto text = [](char c) { return c == '\t' || (c >= 0x20 && c < 0x7f); };
  for (++i; i < s.size(); ++i) {
    if (s[i] == '"') {
      ++i;
      return true;
    }
    if (s[i] == '\\' && ++i == s.size()) return false;
    if (!text(s[i])) return false;
  }
  return false;
}

}  // namespace

// RFC 3986's own grammar, from Boost.URL (already the server's URL parser):
// a view over `s`, no allocation. Boost 1.81 ends a port at its last digit
// and takes the rest as the path ("http://host:8o/" parses as port 8, path
// "o/"); RFC 3986 requires a path after an authority to be empty or start
// with '/' (path-abempty), which is checked here and refuses that case.
namespace {
bool path_abempty_after_authority(const boost::urls::url_view& u) {
  if (!u.has_authority()) return true;
  std::string_view path = u.encoded_path();
  return path.empty() || path.front() == '/';
}
}  // namespace

bool is_uri_reference(std::string_view s) {
  auto u = boost::urls::parse_uri_reference(s);
  return u && path_abempty_after_authority(*u);
}
bool is_absolute_uri(std::string_view s) {
  auto u = boost::urls::parse_uri(s);
  return u && path_abempty_after_authority(*u);
}

bool is_media_type(std::string_view s) {
  if (s == "application/json") return true;  // most events: skip the scan
  size_t i = 0;
  if (!token(s, i) || i == s.size() || s[i++] != '/' || !token(s, i)) return false;
  // Parameters as HTTP writes them (RFC 9110 §8.3.1): optional whitespace
  // around ';', empty ones tolerated.
  for (;;) {
    skip_ows(s, i);
    if (i == s.size()) return true;
    if (s[i++] != ';') return false;
    skip_ows(s, i);
    if (i == s.size() || s[i] == ';') continue;
    if (!token(s, i) || i == s.size() || s[i++] != '=') return false;
    if (i < s.size() && s[i] == '"') {
      if (!quoted_string(s, i)) return false;
    } else if (!token(s, i)) {
      return false;
    }
  }
}

bool is_base64(std::string_view s) {
  if (s.size() % 4 != 0) return false;
  size_t pad = 0;
  while (pad < 2 && pad < s.size() && s[s.size() - 1 - pad] == '=') ++pad;
  for (size_t i = 0; i + pad < s.size(); ++i) {
    char c = s[i];
    if (!(is_alpha(c) || is_digit(c) || c == '+' || c == '/')) return false;
  }
  return true;
}

}  // namespace sb::events
