// Constraints: the operator and its values are parsed once here, so an
// evaluation compares against ready numbers, dates, versions, ranges and
// regexes. Strict compile refuses what Unleash's server would (an unknown
// operator, a value the operator cannot read); lenient compile keeps the
// SDKs' answers for them (see FlagSet::CompileOptions).
#include <re2/re2.h>

#include <algorithm>

#include "core/clock.h"
#include "flags/compile.h"
#include "flags/constraints.h"
#include "flags/js_number.h"

namespace sb::flags::detail {
namespace {

struct OpName {
  std::string_view name;
  Op op;
};
constexpr OpName kOps[] = {
    {"IN", Op::kIn}, {"NOT_IN", Op::kNotIn}, {"STR_CONTAINS", Op::kStrContains},
    {"STR_STARTS_WITH", Op::kStrStartsWith}, {"STR_ENDS_WITH", Op::kStrEndsWith},
    {"NUM_EQ", Op::kNumEq}, {"NUM_GT", Op::kNumGt}, {"NUM_GTE", Op::kNumGte}, {"NUM_LT", Op::kNumLt},
    {"NUM_LTE", Op::kNumLte}, {"DATE_AFTER", Op::kDateAfter}, {"DATE_BEFORE", Op::kDateBefore},
    {"SEMVER_EQ", Op::kSemverEq}, {"SEMVER_GT", Op::kSemverGt}, {"SEMVER_LT", Op::kSemverLt},
    {"SEMVER_GTE", Op::kSemverGte}, {"SEMVER_LTE", Op::kSemverLte}, {"REGEX", Op::kRegex},
    {"IN_CIDR", Op::kInCidr},
};

bool multi_valued(Op op) {
  return op == Op::kIn || op == Op::kNotIn || op == Op::kStrContains || op == Op::kStrStartsWith ||
         op == Op::kStrEndsWith || op == Op::kInCidr;
}

// A value as Date reads Unleash's forms: RFC 3339, or a bare date (midnight UTC).
bool parse_date_value(std::string_view text, int64_t& ms) {
  if (text.size() == 10) return parse_rfc3339(std::string(text) + "T00:00:00Z", ms);
  return parse_rfc3339(text, ms);
}

// `values` for the list operators (falling back to a lone `value`), each
// with its own pointer for errors.
Status list_values(const bj::object& o, const std::string& ptr, std::vector<std::pair<std::string, std::string>>& out) {
  const bj::array* arr = nullptr;
  SB_TRY(array_member(o, "values", ptr, arr));
  if (arr) {
    for (size_t k = 0; k < arr->size(); ++k) {
      std::optional<std::string> text = scalar_text((*arr)[k]);
      if (!text) return Status::invalid(child(child(ptr, "values"), k), "must be a string");
      out.emplace_back(std::move(*text), child(child(ptr, "values"), k));
    }
  } else if (const bj::value* v = member(o, "value")) {
    std::optional<std::string> text = scalar_text(*v);
    if (!text) return Status::invalid(child(ptr, "value"), "must be a string");
    out.emplace_back(std::move(*text), child(ptr, "value"));
  }
  return {};
}

// `value` for the single-value operators (falling back to values[0]).
Status single_value(const bj::object& o, const std::string& ptr, std::optional<std::string>& text, std::string& at) {
  at = child(ptr, "value");
  if (const bj::value* v = member(o, "value")) {
    text = scalar_text(*v);
    if (!text) return Status::invalid(at, "must be a string");
    return {};
  }
  const bj::array* arr = nullptr;
  SB_TRY(array_member(o, "values", ptr, arr));
  if (arr && !arr->empty()) {
    at = child(child(ptr, "values"), 0);
    text = scalar_text((*arr)[0]);
    if (!text) return Status::invalid(at, "must be a string");
  }
  return {};
}

Status compile_list(const bj::object& o, const std::string& ptr, bool lenient, Constraint& c) {
  std::vector<std::pair<std::string, std::string>> raw;
  SB_TRY(list_values(o, ptr, raw));
  for (auto& [text, at] : raw) {
    std::string_view v = trim(text);
    if (v.empty()) continue;  // the SDKs drop empty values
    if (c.op == Op::kInCidr) {
      IpRange r;
      if (IpRange::parse(v, r)) {
        c.cidrs.push_back(r);
      } else if (!lenient) {
        return Status::invalid(at, "'" + std::string(v) + "' is not an IP address or CIDR range");
      }
      continue;
    }
    bool fold = c.case_insensitive && c.op != Op::kIn && c.op != Op::kNotIn;
    c.values.push_back(fold ? ascii_lower(v) : std::string(v));
  }
  if (c.op == Op::kIn || c.op == Op::kNotIn) std::sort(c.values.begin(), c.values.end());
  return {};
}

Status compile_single(const bj::object& o, const std::string& ptr, bool lenient, Constraint& c) {
  std::optional<std::string> text;
  std::string at;
  SB_TRY(single_value(o, ptr, text, at));
  std::string error;
  if (!text) {
    error = "required for this operator";
  } else if (c.op >= Op::kNumEq && c.op <= Op::kNumLte) {
    if (!js_number(*text, c.number)) error = "'" + *text + "' is not a number";
  } else if (c.op == Op::kDateAfter || c.op == Op::kDateBefore) {
    if (!parse_date_value(trim(*text), c.date_ms)) error = "'" + *text + "' is not an RFC 3339 date-time";
  } else if (c.op >= Op::kSemverEq && c.op <= Op::kSemverLte) {
    // node-semver's constructor, which the SDKs compare with, takes "v1.2.3";
    // Unleash's server refuses it.
    SemverView v;
    if (parse_semver(*text, v, /*allow_v=*/lenient)) {
      c.semver = {v.major, v.minor, v.patch, std::string(v.pre)};
    } else {
      error = "'" + *text + "' is not a semantic version (MAJOR.MINOR.PATCH[-pre][+build])";
    }
  } else if (c.op == Op::kRegex) {
    re2::RE2::Options opts;
    opts.set_log_errors(false);
    opts.set_case_sensitive(!c.case_insensitive);
    c.regex.reset(new re2::RE2(*text, opts));
    if (!c.regex->ok()) error = "invalid regular expression: " + c.regex->error();
  }
  if (error.empty()) return {};
  if (!lenient) return Status::invalid(at, error);
  c.invalid_value = true;
  return {};
}

Status compile_constraint(const bj::value& v, const std::string& ptr, bool lenient, Constraint& c) {
  const bj::object* o = nullptr;
  SB_TRY(as_object(v, ptr, o));
  std::string context_name, op_name;
  SB_TRY(string_member(*o, "contextName", ptr, context_name, /*required=*/!lenient));
  SB_TRY(string_member(*o, "operator", ptr, op_name, /*required=*/true));
  SB_TRY(bool_member(*o, "inverted", ptr, c.inverted));
  SB_TRY(bool_member(*o, "caseInsensitive", ptr, c.case_insensitive));
  c.field = field_ref(context_name);
  auto it = std::find_if(std::begin(kOps), std::end(kOps), [&](const OpName& n) { return n.name == op_name; });
  if (it == std::end(kOps)) {
    if (!lenient) return Status::invalid(child(ptr, "operator"), "unknown operator '" + op_name + "'");
    c.op = Op::kUnknown;
    return {};
  }
  c.op = it->op;
  return multi_valued(c.op) ? compile_list(*o, ptr, lenient, c) : compile_single(*o, ptr, lenient, c);
}

}  // namespace

Status compile_constraints(const bj::array* constraints, const std::string& ptr, bool lenient,
                           std::vector<Constraint>& out) {
  if (!constraints) return {};
  out.resize(constraints->size());
  for (size_t i = 0; i < constraints->size(); ++i)
    SB_TRY(compile_constraint((*constraints)[i], child(ptr, i), lenient, out[i]));
  return {};
}

}  // namespace sb::flags::detail
