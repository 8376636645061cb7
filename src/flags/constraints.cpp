// Operator semantics follow the Node SDK (lib/strategy/strategy.js), the
// client specification's reference: a missing context value fails every
// operator except NOT_IN; `inverted` flips the operator's answer, except for
// an operator the SDK does not know, which fails either way.
#include "flags/constraints.h"

#include <re2/re2.h>

#include <algorithm>

#include "core/clock.h"
#include "flags/js_number.h"

namespace sb::flags::detail {

void RegexDeleter::operator()(re2::RE2* re) const { delete re; }

namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// `needle` is already lower-cased (at compile time).
bool equal_ci(std::string_view hay, std::string_view needle) {
  if (hay.size() != needle.size()) return false;
  for (size_t i = 0; i < hay.size(); ++i)
    if (lower(hay[i]) != needle[i]) return false;
  return true;
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (equal_ci(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

bool string_op(const Constraint& c, std::string_view v) {
  for (const std::string& val : c.values) {
    bool hit = false;
    switch (c.op) {
      case Op::kStrStartsWith:
        hit = c.case_insensitive ? v.size() >= val.size() && equal_ci(v.substr(0, val.size()), val)
                                 : v.starts_with(val);
        break;
      case Op::kStrEndsWith:
        hit = c.case_insensitive ? v.size() >= val.size() && equal_ci(v.substr(v.size() - val.size()), val)
                                 : v.ends_with(val);
        break;
      default:
        hit = c.case_insensitive ? contains_ci(v, val) : v.find(val) != std::string_view::npos;
        break;
    }
    if (hit) return true;
  }
  return false;
}

bool number_op(const Constraint& c, std::string_view v) {
  double x = 0;
  if (!js_number(v, x)) return false;
  switch (c.op) {
    case Op::kNumEq: return x == c.number;
    case Op::kNumGt: return x > c.number;
    case Op::kNumGte: return x >= c.number;
    case Op::kNumLt: return x < c.number;
    default: return x <= c.number;
  }
}

bool date_op(const Constraint& c, const Context& ctx, const Clock& clock) {
  int64_t now = 0;
  if (ctx.current_time.empty()) {
    now = clock.now_ms();
  } else if (!parse_rfc3339(ctx.current_time, now)) {
    return false;  // Invalid Date compares false both ways
  }
  return c.op == Op::kDateAfter ? now > c.date_ms : now < c.date_ms;
}

bool semver_op(const Constraint& c, std::string_view v) {
  SemverView sv;
  if (!parse_semver(v, sv, /*allow_v=*/false)) return false;
  int cmp = compare(sv, c.semver.view());
  switch (c.op) {
    case Op::kSemverEq: return cmp == 0;
    case Op::kSemverGt: return cmp > 0;
    case Op::kSemverLt: return cmp < 0;
    case Op::kSemverGte: return cmp >= 0;
    default: return cmp <= 0;
  }
}

bool cidr_op(const Constraint& c, std::string_view v) {
  IpRange addr;
  if (!IpRange::parse(v, addr)) return false;
  return std::any_of(c.cidrs.begin(), c.cidrs.end(), [&](const IpRange& r) { return r.contains(addr); });
}

bool evaluate(const Constraint& c, const Context& ctx, const Clock& clock) {
  if (c.invalid_value) return false;
  if (c.op == Op::kDateAfter || c.op == Op::kDateBefore) return date_op(c, ctx, clock);
  std::optional<std::string_view> v = resolve(ctx, c.field);
  switch (c.op) {
    case Op::kIn:
    case Op::kNotIn: {
      bool in = v && std::binary_search(c.values.begin(), c.values.end(), *v);
      return c.op == Op::kIn ? in : !in;
    }
    case Op::kStrContains:
    case Op::kStrStartsWith:
    case Op::kStrEndsWith:
      return v && string_op(c, *v);
    case Op::kNumEq:
    case Op::kNumGt:
    case Op::kNumGte:
    case Op::kNumLt:
    case Op::kNumLte:
      return v && number_op(c, *v);
    case Op::kSemverEq:
    case Op::kSemverGt:
    case Op::kSemverLt:
    case Op::kSemverGte:
    case Op::kSemverLte:
      return v && semver_op(c, *v);
    case Op::kRegex:
      // RE2 (the Node SDK runs re2js, its port): linear time, no backtracking.
      // The one operator that is not lock-free: RE2's DFA takes a shared
      // reader lock on its state cache per search, and adds states (heap,
      // within its memory budget) the first time an input needs them.
      return v && re2::RE2::PartialMatch(re2::StringPiece(v->data(), v->size()), *c.regex);
    case Op::kInCidr:
      return v && cidr_op(c, *v);
    default:
      return false;
  }
}

}  // namespace

bool matches(const Constraint& c, const Context& ctx, const Clock& clock) {
  if (c.op == Op::kUnknown) return false;
  bool r = evaluate(c, ctx, clock);
  return c.inverted ? !r : r;
}

bool all_match(const std::vector<Constraint>& cs, const Context& ctx, const Clock& clock) {
  for (const Constraint& c : cs)
    if (!matches(c, ctx, clock)) return false;
  return true;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = lower(ch);
  return out;
}

}  // namespace sb::flags::detail
