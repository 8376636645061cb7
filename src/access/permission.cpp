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

// "app.checkout", "app.*", "*": segments of valid_part characters.
bool valid_scope(std::string_view s) {
  if (s == "*") return true;
  if (s.size() >= 2 && s.substr(s.size() - 2) == ".*") s.remove_suffix(2);
  if (s.empty() || s.front() == '.' || s.back() == '.' || s.find("..") != std::string_view::npos) return false;
  return s != "*" && valid_part(s);
}

bool part_matches(std::string_view granted, std::string_view required) {
  return granted == "*" || granted == required;
}

struct Parts {
  std::string_view resource, action, scope;  // scope empty: none
  bool ok = false;
};

Parts split(std::string_view p) {
  Parts out;
  size_t c1 = p.find(':');
  if (c1 == std::string_view::npos) return out;
  size_t c2 = p.find(':', c1 + 1);
  out.resource = p.substr(0, c1);
  out.action = c2 == std::string_view::npos ? p.substr(c1 + 1) : p.substr(c1 + 1, c2 - c1 - 1);
  if (c2 != std::string_view::npos) out.scope = p.substr(c2 + 1);
  out.ok = true;
  return out;
}

// Scope `outer` holds all of `inner`: equal, or `outer` ends in `*` and
// `inner` starts with what precedes it ("app.*" holds "app.x" and "app.x.*").
bool scope_covers(std::string_view outer, std::string_view inner) {
  if (outer == inner) return true;
  if (outer.empty() || outer.back() != '*') return false;
  outer.remove_suffix(1);
  return inner.substr(0, outer.size()) == outer;
}

}  // namespace

Status validate_permission(std::string_view p, const std::string& field) {
  if (p.empty()) return Status::invalid(field, "is required: a permission like \"rooms:read\"");
  if (p.size() > kMaxPermissionLength)
    return Status::invalid(field, "must be at most " + std::to_string(kMaxPermissionLength) + " characters");
  if (p == "*") return {};
  Parts parts = split(p);
  if (!parts.ok || (parts.scope.empty() && p.find(':', p.find(':') + 1) != std::string_view::npos) ||
      parts.scope.find(':') != std::string_view::npos)
    return Status::invalid(field, "must be \"resource:action\" or \"resource:action:scope\" (or \"*\")");
  if (!valid_part(parts.resource) || !valid_part(parts.action))
    return Status::invalid(field,
                           "each part must be lower-case letters, digits, '_', '-', '.', or exactly '*'");
  if (!parts.scope.empty() && !valid_scope(parts.scope))
    return Status::invalid(field, "the scope must be dot-separated lower-case names, optionally ending in \".*\"");
  return {};
}

bool permission_matches(std::string_view granted, std::string_view required) {
  if (granted == "*") return true;
  if (required == "*") return false;  // only the "everything" grant holds everything
  Parts g = split(granted), r = split(required);
  if (!g.ok || !r.ok) return false;
  if (!part_matches(g.resource, r.resource) || !part_matches(g.action, r.action)) return false;
  if (g.scope.empty() || g.scope == "*") return true;  // an unscoped grant covers every scope
  if (r.scope.empty()) return false;                   // a scoped grant never holds the whole
  return scope_covers(g.scope, r.scope);
}

bool permission_overlaps(std::string_view denied, std::string_view required) {
  if (denied == "*") return true;
  if (required == "*") return false;
  Parts d = split(denied), r = split(required);
  if (!d.ok || !r.ok) return false;
  if (!part_matches(d.resource, r.resource) || !part_matches(d.action, r.action)) return false;
  if (d.scope.empty() || r.scope.empty() || d.scope == "*" || r.scope == "*") return true;
  return scope_covers(d.scope, r.scope) || scope_covers(r.scope, d.scope);
}

bool EffectivePermissions::allows(std::string_view required) const {
  for (const auto& d : deny)
    if (permission_overlaps(d, required)) return false;
  for (const auto& a : allow)
    if (permission_matches(a, required)) return true;
  return false;
}

}  // namespace sb::access
