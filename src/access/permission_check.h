// access::PermissionCheck — "does this user hold this permission?" on the
// request path. Each thread keeps the effective permissions it last used per
// user, valid while AccessControl's generation is unchanged (any grant or
// role change, on any instance, moves it) and for at most a second, so the
// hot path takes no lock. allows_cached() never reads the Db: on a miss it
// tries AccessControl's shared cache, then answers nullopt; allows() loads
// from the Db (and fills both caches) — for the blocking pool.
//
// Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"

namespace sb::access {

class AccessControl;

class PermissionCheck {
 public:
  explicit PermissionCheck(AccessControl& access) : access_(access) {}
  // OK or PermissionDenied naming the permission; nullopt when only the Db can tell.
  std::optional<Status> allows_cached(const std::string& user_id, const std::string& permission) const;
  Status allows(const std::string& user_id, const std::string& permission) const;

 private:
  AccessControl& access_;
};

}  // namespace sb::access
