// Semantic Versioning 2.0.0 as the SEMVER_* operators read it (node-semver's
// strict grammar, which the SDKs use): MAJOR.MINOR.PATCH[-pre][+build],
// numeric identifiers without leading zeros, build metadata ignored.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sb::flags {

struct SemverView {
  uint64_t major = 0, minor = 0, patch = 0;
  std::string_view pre;  // dot-separated identifiers, empty for a release
};

// Parses `text` after trimming ASCII whitespace. A leading 'v' is accepted
// only with allow_v (node-semver's constructor takes "v1.2.3"; the SDKs
// refuse it in the context value).
bool parse_semver(std::string_view text, SemverView& out, bool allow_v);

// <0, 0, >0 by SemVer precedence: a pre-release is lower than its release;
// numeric identifiers compare as numbers and below alphanumeric ones.
int compare(const SemverView& a, const SemverView& b);

// A compiled constraint's version (owns its pre-release text).
struct Semver {
  uint64_t major = 0, minor = 0, patch = 0;
  std::string pre;
  SemverView view() const { return {major, minor, patch, pre}; }
};

}  // namespace sb::flags
