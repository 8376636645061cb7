#include "config/key.h"

#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

namespace sb::config {

namespace bj = boost::json;

const char* type_name(Type t) {
  switch (t) {
    case Type::kString: return "string";
    case Type::kInt: return "integer";
    case Type::kBool: return "boolean";
    case Type::kStringList: return "list of strings";
    case Type::kDouble: return "number";
    case Type::kJson: return "JSON";
  }
  return "?";
}

const char* apply_name(Apply a) {
  switch (a) {
    case Apply::kHot: return "hot";
    case Apply::kRestart: return "restart";
    case Apply::kBoot: return "boot";
  }
  return "?";
}

namespace detail {

bj::value encode(const std::string& v) { return bj::value(v); }
bj::value encode(int64_t v) { return bj::value(v); }
bj::value encode(double v) { return bj::value(v); }
bj::value encode(bool v) { return bj::value(v); }
bj::value encode(const std::vector<std::string>& v) {
  bj::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}
bj::value encode(const bj::value& v) { return v; }

std::string decode(const bj::value& v, const std::string& fallback) {
  return v.is_string() ? std::string(v.get_string()) : fallback;
}
int64_t decode(const bj::value& v, int64_t fallback) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());  // validated <= INT64_MAX
  if (v.is_double()) return static_cast<int64_t>(v.get_double());
  return fallback;
}
double decode(const bj::value& v, double fallback) { return v.is_number() ? v.to_number<double>() : fallback; }
bool decode(const bj::value& v, bool fallback) { return v.is_bool() ? v.get_bool() : fallback; }
std::vector<std::string> decode(const bj::value& v, const std::vector<std::string>& fallback) {
  if (!v.is_array()) return fallback;
  std::vector<std::string> out;
  for (const auto& e : v.get_array())
    if (e.is_string()) out.emplace_back(e.get_string());
  return out;
}
bj::value decode(const bj::value& v, const bj::value& fallback) { return v.is_null() ? fallback : v; }

namespace {
std::string number(double n, bool integer) {
  if (integer || (std::floor(n) == n && std::fabs(n) < 1e15)) return std::to_string(static_cast<int64_t>(n));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", n);
  return buf;
}
}  // namespace

std::optional<std::string> check_bounds(double n, const Bounds& b, bool integer) {
  bool low = b.lo && n < *b.lo, high = b.hi && n > *b.hi;
  if (!low && !high) return std::nullopt;
  if (b.lo && b.hi) return "must be between " + number(*b.lo, integer) + " and " + number(*b.hi, integer);
  if (low) return "must be at least " + number(*b.lo, integer);
  return "must be at most " + number(*b.hi, integer);
}

std::string describe_bounds(const Bounds& b, bool integer) {
  if (b.lo && b.hi) return number(*b.lo, integer) + " to " + number(*b.hi, integer);
  if (b.lo) return ">= " + number(*b.lo, integer);
  if (b.hi) return "<= " + number(*b.hi, integer);
  return "";
}

std::optional<std::string> check_one_of(const std::string& s, const OneOf& o) {
  for (const auto& c : o.choices)
    if (s == c) return std::nullopt;
  std::string m = "must be one of ";
  for (size_t i = 0; i < o.choices.size(); ++i) m += (i ? ", " : "") + o.choices[i];
  return m;
}

std::string describe_one_of(const OneOf& o) {
  std::string d;
  for (size_t i = 0; i < o.choices.size(); ++i) d += (i ? " | " : "") + o.choices[i];
  return d;
}

}  // namespace detail
}  // namespace sb::config
