// The compiled form of a flag set, internal to src/flags. compile*.cpp build
// it from the client-API document; the evaluation files (constraints.cpp,
// strategies.cpp, variants.cpp, flag_set.cpp) only read it. Everything the
// hot path needs is resolved here at compile time: numbers, dates, semvers,
// CIDRs, regexes, lower-cased strings, sorted value lists, pre-hashed group
// ids and flag/segment indices, so an evaluation neither parses nor allocates.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "flags/evaluator.h"
#include "flags/ip_range.h"
#include "flags/murmur3.h"
#include "flags/semver.h"

namespace re2 {
class RE2;
}

namespace sb::flags::detail {

// A context field named by a constraint, a stickiness or an override.
// Built-in names resolve to their member; any name falls back to properties.
struct FieldRef {
  enum Kind : uint8_t { kUserId, kSessionId, kRemoteAddress, kEnvironment, kAppName, kCurrentTime, kProperty };
  Kind kind = kProperty;
  std::string name;
};
FieldRef::Kind field_kind(std::string_view name);
FieldRef field_ref(std::string_view name);
std::optional<std::string_view> resolve(const Context& ctx, FieldRef::Kind kind, std::string_view name);
inline std::optional<std::string_view> resolve(const Context& ctx, const FieldRef& f) {
  return resolve(ctx, f.kind, f.name);
}

enum class Op : uint8_t {
  kIn, kNotIn, kStrContains, kStrStartsWith, kStrEndsWith,
  kNumEq, kNumGt, kNumGte, kNumLt, kNumLte,
  kDateAfter, kDateBefore,
  kSemverEq, kSemverGt, kSemverLt, kSemverGte, kSemverLte,
  kRegex, kInCidr,
  kUnknown,  // lenient compile only: never matches, inverted or not (as the SDKs)
};

struct RegexDeleter {
  void operator()(re2::RE2* re) const;
};

struct Constraint {
  FieldRef field;
  Op op = Op::kUnknown;
  bool inverted = false;
  bool case_insensitive = false;
  // Lenient compile only: the value was invalid (NaN, bad date/semver/regex);
  // the operator's own answer is "no", which `inverted` then flips, as in the SDKs.
  bool invalid_value = false;
  std::vector<std::string> values;  // trimmed, non-empty; lower-cased for case-insensitive STR_*; sorted for IN
  double number = 0;
  int64_t date_ms = 0;
  Semver semver;
  std::vector<IpRange> cidrs;
  std::unique_ptr<re2::RE2, RegexDeleter> regex;
};

// Whose value a rollout or a variant choice hashes.
struct Stickiness {
  enum Kind : uint8_t { kDefault, kRandom, kField };
  Kind kind = kDefault;
  FieldRef field;
};

struct Override {
  FieldRef field;
  std::vector<std::string> values;
};

struct VariantDef {
  std::string name;
  int weight = 0;
  bool has_payload = false;
  Payload payload;
  std::vector<Override> overrides;
};

// A flag's or a strategy's variants with what choosing among them needs.
struct VariantGroup {
  std::vector<VariantDef> defs;
  int total_weight = 0;
  Stickiness stickiness;
  Murmur3 seeded_group{0};  // state after hashing "groupId:" with the variant seed
};

enum class StrategyKind : uint8_t {
  kDefault, kUserWithId, kFlexibleRollout, kGradualRolloutUserId, kGradualRolloutSessionId,
  kGradualRolloutRandom, kRemoteAddress, kApplicationHostname, kUnknown,
};

struct Strategy {
  StrategyKind kind = StrategyKind::kUnknown;
  std::vector<Constraint> constraints;
  std::vector<uint32_t> segments;  // indices into SetData::segments
  bool never = false;              // lenient compile: a segment id that is not in the document
  double percentage = 0;           // rollout / percentage; NaN (lenient) never passes
  Stickiness stickiness;
  Murmur3 seeded_group{0};               // state after hashing "groupId:" with seed 0
  std::vector<std::string> user_ids;     // sorted
  std::vector<std::string> ip_texts;     // compared verbatim first, as the SDKs do
  std::vector<IpRange> ips;
  bool hostname_matches = false;         // decided once: the machine's name does not change
  VariantGroup variants;
};

struct Dependency {
  uint32_t parent = 0;
  bool enabled = true;
  std::vector<std::string> variants;
};

struct Flag {
  std::string name;
  bool enabled = false;
  std::vector<Strategy> strategies;
  VariantGroup variants;
  std::vector<Dependency> dependencies;
  // Lenient compile: a parent missing, or a parent with parents of its own
  // (a cycle included); the SDKs then report the flag disabled.
  bool dependencies_unsatisfiable = false;
};

struct Segment {
  std::vector<Constraint> constraints;
};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// A compiled set (FlagSet::Impl is this, named so detail code can see it).
struct SetData {
  const Clock* clock = nullptr;
  std::vector<Flag> flags;
  std::vector<Segment> segments;
  std::vector<std::string> names;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> by_name;
};

}  // namespace sb::flags::detail

namespace sb::flags {

struct FlagSet::Impl : detail::SetData {};

}  // namespace sb::flags
