// Permissions are strings `resource:action` ("rooms:read", "flags.admin:write").
// Each part is lower-case letters, digits, `_`, `-` and `.`, or exactly `*`
// (any resource / any action); `*` alone means everything. A grant matches a
// required permission part by part: `rooms:*` and `*:read` both match
// `rooms:read`. A wildcard in the *required* permission is literal: only `*`
// (or the same wildcard) in the grant matches it. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sb::access {

constexpr size_t kMaxPermissionLength = 128;

// InvalidArgument naming `field` unless `p` is a well-formed permission.
Status validate_permission(std::string_view p, const std::string& field);

// True when holding `granted` gives `required`. Both are assumed valid.
bool permission_matches(std::string_view granted, std::string_view required);

// What one user may do: the union of their roles' permissions and their
// direct allows, minus their direct denies. Immutable once built (shared
// between threads through the cache).
struct EffectivePermissions {
  std::vector<std::string> roles;  // role names held, sorted
  std::vector<std::string> allow;  // from roles and direct grants, sorted, unique
  std::vector<std::string> deny;   // direct denies, sorted

  // An explicit deny matching `required` wins over any allow.
  bool allows(std::string_view required) const;
};

}  // namespace sb::access
