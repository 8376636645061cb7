// Permissions are strings `resource:action` ("rooms:read", "flags.admin:write"),
// optionally narrowed by a scope: `resource:action:scope` ("config:read:app.*").
// Resource and action are lower-case letters, digits, `_`, `-` and `.`, or
// exactly `*` (any resource / any action); `*` alone means everything. A
// scope is dot-separated segments of the same characters, optionally ending
// in `.*` (every name under that prefix), or `*`.
//
// A grant matches a required permission part by part: `rooms:*` and `*:read`
// both match `rooms:read`. A grant without a scope covers every scope
// (`config:read` holds `config:read:app.checkout`); a scoped grant covers only
// scopes inside its own (`config:read:app.*` holds `config:read:app.checkout`
// but not `config:read:email.from`, nor the unscoped `config:read`). A
// wildcard in the *required* permission is literal: only `*` (or the same or a
// wider wildcard) in the grant matches it. A deny applies when it overlaps the
// required permission at all: denying `config:read:app.billing.*` also refuses
// a listing of all of `config:read:app.*`. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sb::access {

constexpr size_t kMaxPermissionLength = 200;

// InvalidArgument naming `field` unless `p` is a well-formed permission.
Status validate_permission(std::string_view p, const std::string& field);

// True when holding `granted` gives `required`. `granted` is assumed valid;
// `required` may carry any scope (a route computes it from the request).
bool permission_matches(std::string_view granted, std::string_view required);
// True when `denied` takes away some or all of `required`.
bool permission_overlaps(std::string_view denied, std::string_view required);

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
