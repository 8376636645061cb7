#include "access/access_control.h"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>

#include "core/ids.h"
#include "core/json.h"
#include "events/event.h"
#include "events/event_log.h"
#include "store/db.h"

namespace sb::access {

namespace bj = boost::json;

namespace {

constexpr size_t kMaxRoleName = 64;
constexpr size_t kMaxUserId = 128;
constexpr size_t kMaxDescription = 1024;
constexpr size_t kMaxRolePermissions = 256;
constexpr const char* kAdminRole = "admin";

constexpr const char* kRoleColumns = "name, description, permissions, builtin, created_at, updated_at";

std::string permissions_json(const std::vector<std::string>& perms) {
  bj::array a;
  for (const auto& p : perms) a.emplace_back(p);
  return bj::serialize(a);
}

// The column is written only by this module, so a malformed value is a bug
// or a hand edit: ignore what cannot be read rather than failing every check.
std::vector<std::string> parse_permissions(const std::string& text) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  bj::value v = bj::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& p : v.get_array())
    if (p.is_string()) out.emplace_back(p.get_string());
  return out;
}

Role role_from_row(const store::Row& r) {
  Role role;
  role.name = r.text_at(0);
  role.description = r.text_at(1);
  role.permissions = parse_permissions(r.text_at(2));
  role.builtin = r.int_at(3) != 0;
  role.created_at_ms = r.int_at(4);
  role.updated_at_ms = r.int_at(5);
  return role;
}

// Validates a role's fields and returns its permissions without duplicates
// (first occurrence kept, so the stored order is the caller's).
Result<std::vector<std::string>> check_role(const Role& role) {
  std::vector<FieldError> errs;
  if (Status s = validate_role_name(role.name, "/name"); !s) errs.push_back(s.fields()[0]);
  if (role.description.size() > kMaxDescription)
    errs.push_back({"/description", "must be at most " + std::to_string(kMaxDescription) + " bytes"});
  if (role.permissions.size() > kMaxRolePermissions)
    errs.push_back({"/permissions", "at most " + std::to_string(kMaxRolePermissions) + " permissions per role"});
  std::vector<std::string> perms;
  for (size_t i = 0; i < role.permissions.size(); ++i) {
    const auto& p = role.permissions[i];
    if (Status s = validate_permission(p, "/permissions/" + std::to_string(i)); !s) {
      errs.push_back(s.fields()[0]);
      continue;
    }
    if (std::find(perms.begin(), perms.end(), p) == perms.end()) perms.push_back(p);
  }
  if (!errs.empty()) return Status::invalid(std::move(errs));
  return perms;
}

Result<std::optional<Role>> find_role(store::Tx& tx, const std::string& name) {
  SB_ASSIGN(auto rows, tx.query(std::string("SELECT ") + kRoleColumns + " FROM roles WHERE name = $1", {name}));
  if (rows.empty()) return std::optional<Role>();
  return std::optional<Role>(role_from_row(rows[0]));
}

void sort_unique(std::vector<std::string>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

}  // namespace

Status validate_role_name(std::string_view name, const std::string& field) {
  if (name.empty()) return Status::invalid(field, "is required");
  if (name.size() > kMaxRoleName)
    return Status::invalid(field, "must be at most " + std::to_string(kMaxRoleName) + " characters");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) return Status::invalid(field, "may contain only lower-case letters, digits, '_', '-' and '.'");
  }
  return {};
}

Status validate_user_id(std::string_view user_id, const std::string& field) {
  if (user_id.empty()) return Status::invalid(field, "is required");
  if (user_id.size() > kMaxUserId)
    return Status::invalid(field, "must be at most " + std::to_string(kMaxUserId) + " characters");
  for (unsigned char c : user_id)
    if (c < 0x21 || c == 0x7f) return Status::invalid(field, "must not contain spaces or control characters");
  return {};
}

AccessControl::AccessControl(store::Db& db, events::EventLog& log, const Clock& clock, AccessOptions options)
    : db_(db), log_(log), clock_(clock), options_(std::move(options)) {}

// ---- roles

Result<std::vector<Role>> AccessControl::list_roles() {
  std::vector<Role> out;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query(std::string("SELECT ") + kRoleColumns + " FROM roles ORDER BY name"));
    for (const auto& r : rows) out.push_back(role_from_row(r));
    return {};
  }));
  return out;
}

Result<Role> AccessControl::get_role(const std::string& name) {
  SB_TRY(validate_role_name(name, "name"));
  std::optional<Role> out;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(out, find_role(tx, name));
    return {};
  }));
  if (!out) return Status::not_found("no role " + name);
  return *out;
}

Result<Role> AccessControl::create_role(const Role& input, const std::string& actor) {
  SB_ASSIGN(auto perms, check_role(input));
  Role role;
  role.name = input.name;
  role.description = input.description;
  role.permissions = std::move(perms);
  role.created_at_ms = role.updated_at_ms = clock_.now_ms();
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t n, tx.exec("INSERT INTO roles (name, description, permissions, builtin, created_at, updated_at) "
                                 "VALUES ($1, $2, $3, 0, $4, $4) ON CONFLICT (name) DO NOTHING",
                                 {role.name, role.description, permissions_json(role.permissions), role.created_at_ms}));
    if (n == 0) return Status::already_exists("role " + role.name + " already exists");
    bj::object data{{"role", role.name}, {"permissions", bj::value_from(role.permissions)}, {"actor", actor}};
    SB_TRY(append(tx, kRoleCreated, role.name, bj::serialize(data)));
    invalidate_after_commit(tx, "");
    return {};
  }));
  return role;
}

Result<Role> AccessControl::put_role(const Role& input, const std::string& actor) {
  SB_ASSIGN(auto perms, check_role(input));
  Role role;
  role.name = input.name;
  role.description = input.description;
  role.permissions = std::move(perms);
  int64_t now = clock_.now_ms();
  SB_TRY(db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto existing, find_role(tx, role.name));
    if (existing) {
      // Whoever can edit roles could otherwise lock every administrator out.
      if (role.name == kAdminRole && role.permissions != std::vector<std::string>{"*"})
        return Status::conflict("the permissions of the built-in role admin are fixed to [\"*\"]");
      role.builtin = existing->builtin;
      role.created_at_ms = existing->created_at_ms;
    } else {
      role.created_at_ms = now;
    }
    role.updated_at_ms = now;
    SB_TRY(tx.exec("INSERT INTO roles (name, description, permissions, builtin, created_at, updated_at) "
                   "VALUES ($1, $2, $3, 0, $4, $5) ON CONFLICT (name) DO UPDATE SET "
                   "description = excluded.description, permissions = excluded.permissions, "
                   "updated_at = excluded.updated_at",
                   {role.name, role.description, permissions_json(role.permissions), role.created_at_ms, now}));
    bj::object data{{"role", role.name}, {"permissions", bj::value_from(role.permissions)}, {"actor", actor}};
    SB_TRY(append(tx, existing ? kRoleUpdated : kRoleCreated, role.name, bj::serialize(data)));
    invalidate_after_commit(tx, "");
    return {};
  }));
  return role;
}

Status AccessControl::delete_role(const std::string& name, const std::string& actor) {
  SB_TRY(validate_role_name(name, "name"));
  return db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto existing, find_role(tx, name));
    if (!existing) return Status::not_found("no role " + name);
    if (existing->builtin) return Status::conflict("role " + name + " is built in and cannot be deleted");
    SB_TRY(tx.exec("DELETE FROM roles WHERE name = $1", {name}));
    SB_ASSIGN(int64_t grants, tx.exec("DELETE FROM user_roles WHERE role = $1", {name}));
    bj::object data{{"role", name}, {"grants_removed", grants}, {"actor", actor}};
    SB_TRY(append(tx, kRoleDeleted, name, bj::serialize(data)));
    invalidate_after_commit(tx, "");
    return {};
  });
}

// ---- grants

Status AccessControl::grant_role(const std::string& user_id, const std::string& role, const std::string& actor) {
  return db_.write([&](store::Tx& tx) { return grant_role_in(tx, user_id, role, actor); });
}

Status AccessControl::grant_role(store::Tx& tx, const std::string& user_id, const std::string& role,
                                 const std::string& actor) {
  return grant_role_in(tx, user_id, role, actor);
}

Status AccessControl::grant_role_in(store::Tx& tx, const std::string& user_id, const std::string& role,
                                    const std::string& actor) {
  SB_TRY(validate_user_id(user_id, "user"));
  SB_TRY(validate_role_name(role, "role"));
  SB_ASSIGN(auto rows, tx.query("SELECT 1 FROM roles WHERE name = $1", {role}));
  if (rows.empty()) return Status::not_found("no role " + role);
  SB_ASSIGN(int64_t n, tx.exec("INSERT INTO user_roles (user_id, role, granted_at, granted_by) VALUES ($1, $2, $3, $4) "
                               "ON CONFLICT (user_id, role) DO NOTHING",
                               {user_id, role, clock_.now_ms(), actor}));
  if (n == 0) return {};  // already held: nothing changed, nothing to record
  bj::object data{{"user", user_id}, {"role", role}, {"actor", actor}};
  SB_TRY(append(tx, kRoleGranted, user_id, bj::serialize(data)));
  invalidate_after_commit(tx, user_id);
  return {};
}

Status AccessControl::revoke_role(const std::string& user_id, const std::string& role, const std::string& actor) {
  SB_TRY(validate_user_id(user_id, "user"));
  SB_TRY(validate_role_name(role, "role"));
  return db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(int64_t n, tx.exec("DELETE FROM user_roles WHERE user_id = $1 AND role = $2", {user_id, role}));
    if (n == 0) return Status::not_found("user " + user_id + " does not hold role " + role);
    bj::object data{{"user", user_id}, {"role", role}, {"actor", actor}};
    SB_TRY(append(tx, kRoleRevoked, user_id, bj::serialize(data)));
    invalidate_after_commit(tx, user_id);
    return {};
  });
}

Status AccessControl::grant_permission(const std::string& user_id, const std::string& permission, bool deny,
                                       const std::string& actor) {
  SB_TRY(validate_user_id(user_id, "user"));
  SB_TRY(validate_permission(permission, "permission"));
  const std::string effect = deny ? "deny" : "allow";
  return db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT effect FROM user_permissions WHERE user_id = $1 AND permission = $2",
                                  {user_id, permission}));
    if (!rows.empty() && rows[0].text_at(0) == effect) return {};  // unchanged
    SB_TRY(tx.exec("INSERT INTO user_permissions (user_id, permission, effect, granted_at, granted_by) "
                   "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, permission) DO UPDATE SET "
                   "effect = excluded.effect, granted_at = excluded.granted_at, granted_by = excluded.granted_by",
                   {user_id, permission, effect, clock_.now_ms(), actor}));
    bj::object data{{"user", user_id}, {"permission", permission}, {"effect", effect}, {"actor", actor}};
    SB_TRY(append(tx, kPermissionGranted, user_id, bj::serialize(data)));
    invalidate_after_commit(tx, user_id);
    return {};
  });
}

Status AccessControl::revoke_permission(const std::string& user_id, const std::string& permission,
                                        const std::string& actor) {
  SB_TRY(validate_user_id(user_id, "user"));
  SB_TRY(validate_permission(permission, "permission"));
  return db_.write([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT effect FROM user_permissions WHERE user_id = $1 AND permission = $2",
                                  {user_id, permission}));
    if (rows.empty()) return Status::not_found("user " + user_id + " has no direct grant of " + permission);
    SB_TRY(tx.exec("DELETE FROM user_permissions WHERE user_id = $1 AND permission = $2", {user_id, permission}));
    bj::object data{{"user", user_id}, {"permission", permission}, {"effect", rows[0].text_at(0)}, {"actor", actor}};
    SB_TRY(append(tx, kPermissionRevoked, user_id, bj::serialize(data)));
    invalidate_after_commit(tx, user_id);
    return {};
  });
}

Status AccessControl::append(store::Tx& tx, const events::EventType& type, const std::string& subject,
                             std::string data_json) {
  return log_.append(tx, type.make_serialized(clock_, subject, std::move(data_json))).status();
}

// ---- checks and cache

Result<std::vector<std::string>> AccessControl::roles_of(const std::string& user_id) {
  SB_ASSIGN(auto perms, effective(user_id));
  return perms->roles;
}

Result<bool> AccessControl::check(const std::string& user_id, const std::string& permission) {
  SB_TRY(validate_permission(permission, "permission"));
  SB_ASSIGN(auto perms, effective(user_id));
  return perms->allows(permission);
}

Result<std::shared_ptr<const EffectivePermissions>> AccessControl::effective(const std::string& user_id) {
  SB_TRY(validate_user_id(user_id, "user"));
  uint64_t generation;
  {
    std::lock_guard lock(mu_);
    if (auto hit = cached_locked(user_id)) return hit;
    generation = generation_.load();
  }
  int64_t loaded_at = clock_.steady_ms();
  SB_ASSIGN(auto perms, load(user_id));
  if (options_.after_load) options_.after_load(user_id);
  if (options_.cache_users == 0) return perms;
  std::lock_guard lock(mu_);
  // An invalidation since we read the generation may concern what we just
  // read (the read could predate the commit): serve it once, never cache it.
  if (generation != generation_.load()) return perms;
  auto it = cache_.find(user_id);
  if (it != cache_.end()) {
    it->second.perms = perms;
    it->second.loaded_at_ms = loaded_at;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return perms;
  }
  lru_.push_front(user_id);
  cache_.emplace(user_id, CacheEntry{perms, loaded_at, lru_.begin()});
  while (cache_.size() > options_.cache_users) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
  return perms;
}

std::shared_ptr<const EffectivePermissions> AccessControl::effective_cached(const std::string& user_id) {
  std::lock_guard lock(mu_);
  return cached_locked(user_id);
}

std::shared_ptr<const EffectivePermissions> AccessControl::cached_locked(const std::string& user_id) {
  auto it = cache_.find(user_id);
  if (it == cache_.end()) return nullptr;
  if (options_.cache_ttl_ms > 0 && clock_.steady_ms() - it->second.loaded_at_ms >= options_.cache_ttl_ms) {
    lru_.erase(it->second.lru);  // expired: the next load replaces it
    cache_.erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.perms;
}

Result<std::shared_ptr<const EffectivePermissions>> AccessControl::load(const std::string& user_id) {
  auto perms = std::make_shared<EffectivePermissions>();
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto roles, tx.query("SELECT ur.role, r.permissions FROM user_roles ur "
                                   "JOIN roles r ON r.name = ur.role WHERE ur.user_id = $1",
                                   {user_id}));
    for (const auto& r : roles) {
      perms->roles.push_back(r.text_at(0));
      for (auto& p : parse_permissions(r.text_at(1))) perms->allow.push_back(std::move(p));
    }
    SB_ASSIGN(auto direct, tx.query("SELECT permission, effect FROM user_permissions WHERE user_id = $1", {user_id}));
    for (const auto& r : direct) (r.text_at(1) == "deny" ? perms->deny : perms->allow).push_back(r.text_at(0));
    return {};
  }));
  sort_unique(perms->roles);
  sort_unique(perms->allow);
  sort_unique(perms->deny);
  return std::shared_ptr<const EffectivePermissions>(std::move(perms));
}

void AccessControl::invalidate_after_commit(store::Tx& tx, std::string user_id) {
  tx.after_commit([this, user = std::move(user_id)] {
    if (user.empty())
      invalidate_all();
    else
      invalidate_user(user);
  });
}

void AccessControl::invalidate_user(const std::string& user_id) {
  std::lock_guard lock(mu_);
  ++generation_;
  auto it = cache_.find(user_id);
  if (it == cache_.end()) return;
  lru_.erase(it->second.lru);
  cache_.erase(it);
}

void AccessControl::invalidate_all() {
  std::lock_guard lock(mu_);
  ++generation_;
  cache_.clear();
  lru_.clear();
}

void AccessControl::apply_event(const events::Event& e) {
  if (e.source != kAccessSource) return;
  const std::string& t = e.type;
  if (t == "role.granted" || t == "role.revoked" || t.starts_with("permission.")) {
    std::string user = e.subject;
    if (user.empty() && !e.data_json.empty()) {
      boost::system::error_code ec;
      bj::value v = bj::parse(e.data_json, ec);
      if (!ec && v.is_object())
        if (auto* u = v.get_object().if_contains("user"); u && u->is_string()) user = u->get_string();
    }
    if (user.empty())
      invalidate_all();
    else
      invalidate_user(user);
  } else if (t.starts_with("role.")) {
    invalidate_all();  // a role's permissions changed (or it went away): anyone may hold it
  }
}

size_t AccessControl::cached_users() const {
  std::lock_guard lock(mu_);
  return cache_.size();
}

}  // namespace sb::access
