// AccessControl — who may do what. Roles are named sets of permissions
// (permission.h); users hold roles and direct grants (allow or deny) of single
// permissions. A user's effective permissions are the union of their roles'
// permissions and direct allows; a direct deny wins over any allow. Users are
// identified by id only: identity/ owns users, and this module does not
// reference its tables, so each module can be used without the other.
//
// Two roles are built in (seeded by migration 0003): `admin` = ["*"] and
// `user` = [] (what every registered user holds; self-service routes need no
// permission, so it grants nothing until an operator adds some). Built-in
// roles cannot be deleted and `admin` keeps exactly ["*"].
//
// Every change appends its event (source "/switchboard/access") in the same
// transaction, so the change and its audit record commit together.
//
// Effective permissions are cached in memory per user (bounded LRU with a
// TTL as a safety net). Local changes invalidate after they commit; changes
// made by other instances arrive through apply_event(). A generation counter
// makes sure a load that raced an invalidation never stores what it read.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "access/permission.h"
#include "core/clock.h"
#include "core/result.h"
#include "events/event_type.h"

namespace sb::store { class Db; class Tx; }
namespace sb::events { class EventLog; struct Event; }

namespace sb::access {

struct Role {
  std::string name;  // [a-z0-9_.-]{1,64}
  std::string description;
  std::vector<std::string> permissions;
  bool builtin = false;  // read-only: set for `admin` and `user`
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

struct AccessOptions {
  size_t cache_users = 10'000;    // most users whose permissions are remembered
  int64_t cache_ttl_ms = 60'000;  // re-read at least this often (missed events heal)
  // Test seam: runs after effective() read the Db and before it caches the
  // result, so tests can land a write exactly in that window.
  std::function<void(const std::string& user_id)> after_load;
};

// InvalidArgument naming `field` unless `name` matches [a-z0-9_.-]{1,64}.
Status validate_role_name(std::string_view name, const std::string& field);
// InvalidArgument naming `field` unless `user_id` is 1..128 printable characters.
Status validate_user_id(std::string_view user_id, const std::string& field);

// The events access appends (subject: the role name or the user id).
inline constexpr std::string_view kAccessSource = "/switchboard/access";
inline constexpr events::EventType kRoleCreated{kAccessSource, "role.created", "A role was created"};
inline constexpr events::EventType kRoleUpdated{kAccessSource, "role.updated", "A role's description or permissions changed"};
inline constexpr events::EventType kRoleDeleted{kAccessSource, "role.deleted", "A role was deleted"};
inline constexpr events::EventType kRoleGranted{kAccessSource, "role.granted", "A user was given a role"};
inline constexpr events::EventType kRoleRevoked{kAccessSource, "role.revoked", "A user's role was taken away"};
inline constexpr events::EventType kPermissionGranted{kAccessSource, "permission.granted",
                                                      "A permission was granted (or denied) to a user directly"};
inline constexpr events::EventType kPermissionRevoked{kAccessSource, "permission.revoked",
                                                      "A user's direct grant or deny was removed"};
inline constexpr const events::EventType* kAccessEventTypes[] = {
    &kRoleCreated, &kRoleUpdated, &kRoleDeleted, &kRoleGranted, &kRoleRevoked, &kPermissionGranted, &kPermissionRevoked};

class AccessControl {
 public:
  static constexpr const char* kEventSource = "/switchboard/access";

  AccessControl(store::Db& db, events::EventLog& log, const Clock& clock, AccessOptions options = {});

  // ---- roles (subject of their events: the role name)
  Result<std::vector<Role>> list_roles();
  // NotFound if there is no such role.
  Result<Role> get_role(const std::string& name);
  // AlreadyExists if the name is taken; InvalidArgument names /name,
  // /description or /permissions/N. Appends role.created.
  Result<Role> create_role(const Role& role, const std::string& actor);
  // Creates or replaces description and permissions (role.created or
  // role.updated). Conflict when it would change the permissions of `admin`.
  Result<Role> put_role(const Role& role, const std::string& actor);
  // Removes the role and every grant of it (role.deleted). NotFound if
  // absent; Conflict for a built-in role.
  Status delete_role(const std::string& name, const std::string& actor);

  // ---- grants (subject of their events: the user id)
  // NotFound for an unknown role. Granting a role already held changes
  // nothing and appends no event.
  Status grant_role(const std::string& user_id, const std::string& role, const std::string& actor);
  // The same inside the caller's write transaction (registration); the
  // cache is invalidated once that transaction commits.
  Status grant_role(store::Tx& tx, const std::string& user_id, const std::string& role, const std::string& actor);
  // NotFound if the user does not hold the role.
  Status revoke_role(const std::string& user_id, const std::string& role, const std::string& actor);
  // Grants (or, with deny, forbids) one permission directly; replaces an
  // earlier grant of the same permission with the other effect.
  Status grant_permission(const std::string& user_id, const std::string& permission, bool deny,
                          const std::string& actor);
  // NotFound if the user has no direct grant of exactly that permission.
  Status revoke_permission(const std::string& user_id, const std::string& permission, const std::string& actor);

  // ---- checks (served from the cache when possible)
  Result<std::vector<std::string>> roles_of(const std::string& user_id);
  // An unknown user simply has no permissions.
  Result<std::shared_ptr<const EffectivePermissions>> effective(const std::string& user_id);
  // The cached answer only, never the Db: null on a miss (or an expired
  // entry). For io threads, which must not wait on a query; a miss is
  // answered by effective() on the blocking pool, which fills the cache.
  std::shared_ptr<const EffectivePermissions> effective_cached(const std::string& user_id);
  // InvalidArgument if `permission` is malformed.
  Result<bool> check(const std::string& user_id, const std::string& permission);
  // Changes on every cache invalidation (local change or apply_event). A
  // caller keeping its own copy of effective() reads this BEFORE calling
  // effective() and drops the copy once it differs.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Invalidates the cache for a change another instance committed: role.*
  // CRUD drops every user, grant events drop their user. Other events are
  // ignored. Cheap; call it for each role.* / permission.* event seen.
  void apply_event(const events::Event& e);

  size_t cached_users() const;

 private:
  struct CacheEntry {
    std::shared_ptr<const EffectivePermissions> perms;
    int64_t loaded_at_ms;
    std::list<std::string>::iterator lru;
  };

  Result<std::shared_ptr<const EffectivePermissions>> load(const std::string& user_id);
  // The cached entry if present and fresh (an expired one is dropped); mu_ held.
  std::shared_ptr<const EffectivePermissions> cached_locked(const std::string& user_id);
  Status grant_role_in(store::Tx& tx, const std::string& user_id, const std::string& role, const std::string& actor);
  Status append(store::Tx& tx, const events::EventType& type, const std::string& subject, std::string data_json);
  // Queue invalidation of one user (or everyone when empty) for after `tx` commits.
  void invalidate_after_commit(store::Tx& tx, std::string user_id);
  void invalidate_user(const std::string& user_id);
  void invalidate_all();

  // Immutable after construction.
  store::Db& db_;
  events::EventLog& log_;
  const Clock& clock_;
  const AccessOptions options_;

  mutable std::mutex mu_;
  // Bumped by every invalidation; a load stores its result only if the
  // generation it started under is still current.
  std::atomic<uint64_t> generation_{0};                     // written under mu_; read anywhere
  std::unordered_map<std::string, CacheEntry> cache_;       // guarded by mu_
  std::list<std::string> lru_;                              // guarded by mu_: most recent first
};

}  // namespace sb::access
