#include "core/json.h"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace sb::json {

namespace {
// RFC 6901 reference token for an object key.
std::string pointer_token(std::string_view key) {
  std::string t = "/";
  for (char c : key) {
    if (c == '~') t += "~0";
    else if (c == '/') t += "~1";
    else t += c;
  }
  return t;
}

bool finite_scalar(const bj::value& v) { return !v.is_double() || std::isfinite(v.get_double()); }

// Boost.JSON reads a number beyond a double's range (1e400, -1e400, 400
// digits) as ±infinity, which no JSON text can hold: serialized back it
// would make every document containing it unreadable. False for such a
// value, with its JSON pointer in `where`. Recurses only into containers:
// this runs on every request body.
bool all_finite(const bj::value& v, std::string& where) {
  if (const bj::object* o = v.if_object()) {
    for (const auto& kv : *o) {
      const bj::value& x = kv.value();
      if (x.is_structured() ? all_finite(x, where) : finite_scalar(x)) continue;
      where.insert(0, pointer_token(kv.key()));
      return false;
    }
    return true;
  }
  if (const bj::array* a = v.if_array()) {
    for (size_t i = 0; i < a->size(); ++i) {
      const bj::value& x = (*a)[i];
      if (x.is_structured() ? all_finite(x, where) : finite_scalar(x)) continue;
      where.insert(0, "/" + std::to_string(i));
      return false;
    }
    return true;
  }
  return finite_scalar(v);
}
}  // namespace

Result<bj::value> parse(std::string_view text, size_t max_depth, bj::storage_ptr sp) {
  bj::parse_options opt;
  opt.max_depth = max_depth;
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec, std::move(sp), opt);
  if (ec) {
    if (ec == bj::error::too_deep)
      return Status::invalid("body", "JSON nesting deeper than " + std::to_string(max_depth));
    return Status::invalid("body", "malformed JSON: " + ec.message());
  }
  if (std::string where; !all_finite(v, where))
    return Status::invalid(where.empty() ? "body" : where, "number is out of range (beyond a double's +-1.8e308)");
  return v;
}

namespace {
std::string path_of(std::string_view prefix, std::string_view key) {
  std::string p(prefix);
  p += '/';
  p += key;
  return p;
}
}  // namespace

Status get_string(const bj::object& o, std::string_view key, std::string& out, bool required,
                  std::string_view prefix) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) return Status::invalid(path_of(prefix, key), "is required");
    return {};
  }
  if (!it->value().is_string()) return Status::invalid(path_of(prefix, key), "must be a string");
  out = std::string(it->value().get_string());
  return {};
}

Status get_int(const bj::object& o, std::string_view key, int64_t& out, bool required,
               std::string_view prefix) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) return Status::invalid(path_of(prefix, key), "is required");
    return {};
  }
  const auto& v = it->value();
  if (v.is_int64()) out = v.get_int64();
  else if (v.is_uint64() && v.get_uint64() <= INT64_MAX) out = static_cast<int64_t>(v.get_uint64());
  else return Status::invalid(path_of(prefix, key), "must be an integer");
  return {};
}

Status get_bool(const bj::object& o, std::string_view key, bool& out, bool required,
                std::string_view prefix) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) return Status::invalid(path_of(prefix, key), "is required");
    return {};
  }
  if (!it->value().is_bool()) return Status::invalid(path_of(prefix, key), "must be a boolean");
  out = it->value().get_bool();
  return {};
}

std::string serialize(const bj::value& v) { return bj::serialize(v); }

namespace {
// True if any of the 8 bytes in `w` is a control character, '"' or '\\'
// (the classic has-less/has-zero bit tricks): the common string needs no
// escaping and is scanned 8 bytes per step.
inline bool needs_escape(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto has_zero = [&](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'));
}
}  // namespace

void append_quoted(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the pending run that needs no escaping
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (needs_escape(w)) break;
  }
  for (; i < s.size(); ++i) {
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

}  // namespace sb::json
