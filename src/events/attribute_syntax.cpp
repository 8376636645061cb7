#include "events/attribute_syntax.h"

#include <array>
#include <cstdint>

namespace sb::events {

namespace {

constexpr bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Character classes of RFC 3986 and RFC 2045, one table lookup per character.
enum : uint8_t { kUnreserved = 1, kSubDelim = 2, kColonAt = 4, kSlashQuery = 8, kToken = 16 };
constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    char ch = static_cast<char>(c);
    if (is_alpha(ch) || is_digit(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') t[c] |= kUnreserved;
    for (char d : std::string_view("!$&'()*+,;="))
      if (ch == d) t[c] |= kSubDelim;
    if (ch == ':' || ch == '@') t[c] |= kColonAt;
    if (ch == '/' || ch == '?') t[c] |= kSlashQuery;
    // RFC 2045 token: visible ASCII except tspecials.
    if (c > 0x20 && c < 0x7f && std::string_view("()<>@,;:\\\"/[]?=").find(ch) == std::string_view::npos)
      t[c] |= kToken;
  }
  return t;
}();
bool in(char c, uint8_t classes) { return (kClass[static_cast<unsigned char>(c)] & classes) != 0; }

bool is_pchar(char c) { return in(c, kUnreserved | kSubDelim | kColonAt); }
bool is_token_char(char c) { return in(c, kToken); }

// Advances `i` over the characters `ok` accepts and over %XX escapes; false
// on a malformed escape.
template <typename Pred>
bool skip(std::string_view s, size_t& i, Pred ok) {
  while (i < s.size()) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 3;
    } else if (ok(s[i])) {
      ++i;
    } else {
      break;
    }
  }
  return true;
}

template <typename Pred>
bool all_of(std::string_view s, Pred ok) {
  size_t i = 0;
  return skip(s, i, ok) && i == s.size();
}

bool is_scheme(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  for (char c : s)
    if (!(is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.')) return false;
  return true;
}

// authority = [ userinfo "@" ] host [ ":" port ]
bool is_authority(std::string_view a) {
  if (size_t at = a.find('@'); at != std::string_view::npos) {
    if (!all_of(a.substr(0, at), [](char c) { return in(c, kUnreserved | kSubDelim) || c == ':'; }))
      return false;
    a.remove_prefix(at + 1);
  }
  size_t i = 0;
  if (!a.empty() && a[0] == '[') {  // IP-literal; its inside is checked for stray characters only
    size_t close = a.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    if (!all_of(a.substr(1, close - 1), [](char c) { return in(c, kUnreserved | kSubDelim) || c == ':'; }))
      return false;
    i = close + 1;
  } else if (!skip(a, i, [](char c) { return in(c, kUnreserved | kSubDelim); })) {
    return false;
  }
  if (i == a.size()) return true;
  if (a[i] != ':') return false;
  for (++i; i < a.size(); ++i)
    if (!is_digit(a[i])) return false;
  return true;
}

bool is_uri(std::string_view s, bool require_scheme) {
  size_t i = 0;
  size_t delim = s.find_first_of(":/?#");
  // A ':' before any '/', '?' or '#' ends a scheme; a relative reference's
  // first segment may not hold one (RFC 3986 §4.2, path-noscheme).
  if (delim != std::string_view::npos && s[delim] == ':') {
    if (!is_scheme(s.substr(0, delim))) return false;
    i = delim + 1;
  } else if (require_scheme) {
    return false;
  }
  if (s.substr(i, 2) == "//") {
    size_t end = s.find_first_of("/?#", i + 2);
    if (end == std::string_view::npos) end = s.size();
    if (!is_authority(s.substr(i + 2, end - i - 2))) return false;
    i = end;
  }
  if (!skip(s, i, [](char c) { return is_pchar(c) || c == '/'; })) return false;
  auto query_or_fragment = [](char c) { return in(c, kUnreserved | kSubDelim | kColonAt | kSlashQuery); };
  if (i < s.size() && s[i] == '?' && !skip(s, ++i, query_or_fragment)) return false;
  if (i < s.size() && s[i] == '#' && !skip(s, ++i, query_or_fragment)) return false;
  return i == s.size();
}

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

bool is_uri_reference(std::string_view s) { return is_uri(s, false); }
bool is_absolute_uri(std::string_view s) { return is_uri(s, true); }

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
