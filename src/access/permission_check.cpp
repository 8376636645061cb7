#include "access/permission_check.h"

#include <unordered_map>

#include "access/access_control.h"
#include "core/clock.h"

namespace sb::access {

namespace {

struct ThreadPermissions {
  struct Cached {
    std::shared_ptr<const EffectivePermissions> perms;
    uint64_t generation;
    int64_t loaded_ms;
  };
  std::unordered_map<std::string, Cached> by_user;
  const void* owner = nullptr;

  static ThreadPermissions& of(const void* check) {
    thread_local ThreadPermissions t;
    if (t.owner != check) {
      t.by_user.clear();
      t.owner = check;
    }
    return t;
  }
  const EffectivePermissions* find(const std::string& user, uint64_t generation, int64_t now) const {
    auto it = by_user.find(user);
    if (it == by_user.end() || it->second.generation != generation || now - it->second.loaded_ms > 1000) return nullptr;
    return it->second.perms.get();
  }
  const EffectivePermissions* keep(const std::string& user, std::shared_ptr<const EffectivePermissions> p,
                                   uint64_t generation, int64_t now) {
    if (by_user.size() >= 4096) by_user.clear();
    return by_user.insert_or_assign(user, Cached{std::move(p), generation, now}).first->second.perms.get();
  }
};

Status decide(const EffectivePermissions& perms, const std::string& permission) {
  if (!perms.allows(permission)) return Status::permission_denied("missing permission " + permission);
  return {};
}

}  // namespace

std::optional<Status> PermissionCheck::allows_cached(const std::string& user, const std::string& permission) const {
  auto& mine = ThreadPermissions::of(this);
  const uint64_t generation = access_.generation();
  const int64_t now = Clock::system().steady_ms();
  const EffectivePermissions* perms = mine.find(user, generation, now);
  if (!perms) {
    // Another thread (the blocking pool, after a miss) may have loaded it.
    auto shared = access_.effective_cached(user);
    if (!shared) return std::nullopt;
    perms = mine.keep(user, std::move(shared), generation, now);
  }
  return decide(*perms, permission);
}

Status PermissionCheck::allows(const std::string& user, const std::string& permission) const {
  if (auto answer = allows_cached(user, permission)) return *answer;
  const uint64_t generation = access_.generation();  // before effective(): see AccessControl::generation
  SB_ASSIGN(auto perms, access_.effective(user));
  auto& mine = ThreadPermissions::of(this);
  return decide(*mine.keep(user, std::move(perms), generation, Clock::system().steady_ms()), permission);
}

}  // namespace sb::access
