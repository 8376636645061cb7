#include "access/permission.h"

namespace sb::access {

namespace {

bool valid_part(std::string_view s) {
  if (s == "*") return true;
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool part_matches(std::string_view granted, std::string_view required) {
  return granted == "*" || granted == required;
}

}  // namespace

Status validate_permission(std::string_view p, const std::string& field) {
  if (p.empty()) return Status::invalid(field, "is required: a permission like \"rooms:read\"");
  if (p.size() > kMaxPermissionLength)
    return Status::invalid(field, "must be at most " + std::to_string(kMaxPermissionLength) + " characters");
  if (p == "*") return {};
  size_t colon = p.find(':');
  if (colon == std::string_view::npos || p.find(':', colon + 1) != std::string_view::npos)
    return Status::invalid(field, "must be \"resource:action\" (or \"*\")");
  if (!valid_part(p.substr(0, colon)) || !valid_part(p.substr(colon + 1)))
    return Status::invalid(field,
                           "each part must be lower-case letters, digits, '_', '-', '.', or exactly '*'");
  return {};
}

bool permission_matches(std::string_view granted, std::string_view required) {
  if (granted == "*") return true;
  if (required == "*") return false;  // only the "everything" grant holds everything
  size_t gc = granted.find(':'), rc = required.find(':');
  if (gc == std::string_view::npos || rc == std::string_view::npos) return false;
  return part_matches(granted.substr(0, gc), required.substr(0, rc)) &&
         part_matches(granted.substr(gc + 1), required.substr(rc + 1));
}

bool EffectivePermissions::allows(std::string_view required) const {
  for (const auto& d : deny)
    if (permission_matches(d, required)) return false;
  for (const auto& a : allow)
    if (permission_matches(a, required)) return true;
  return false;
}

}  // namespace sb::access
