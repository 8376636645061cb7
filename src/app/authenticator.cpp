#include "app/authenticator.h"

#include <unordered_map>

#include "access/access_control.h"
#include "core/clock.h"
#include "identity/api_keys.h"
#include "identity/auth_service.h"

namespace sb::app {

namespace {
constexpr std::string_view kBearer = "Bearer ";
constexpr std::string_view kAdminKeyPrefix = "sbk_";
constexpr std::string_view kAdminPrincipal = "admin-key:";

// Each thread keeps the effective permissions it last used per user, valid
// while AccessControl's generation is unchanged (any grant or role change,
// on any instance, moves it) and for at most a second, so the hot path takes
// no lock.
struct ThreadPermissions {
  struct Cached {
    std::shared_ptr<const access::EffectivePermissions> perms;
    uint64_t generation;
    int64_t loaded_ms;
  };
  std::unordered_map<std::string, Cached> by_user;
  const void* owner = nullptr;

  static ThreadPermissions& of(const void* authenticator) {
    thread_local ThreadPermissions t;
    if (t.owner != authenticator) {
      t.by_user.clear();
      t.owner = authenticator;
    }
    return t;
  }
  const access::EffectivePermissions* find(const std::string& user, uint64_t generation, int64_t now) const {
    auto it = by_user.find(user);
    if (it == by_user.end() || it->second.generation != generation || now - it->second.loaded_ms > 1000) return nullptr;
    return it->second.perms.get();
  }
  const access::EffectivePermissions* keep(const std::string& user, std::shared_ptr<const access::EffectivePermissions> p,
                                           uint64_t generation, int64_t now) {
    if (by_user.size() >= 4096) by_user.clear();
    return by_user.insert_or_assign(user, Cached{std::move(p), generation, now}).first->second.perms.get();
  }
};

Status decide(const access::EffectivePermissions& perms, const std::string& permission) {
  if (!perms.allows(permission)) return Status::permission_denied("missing permission " + permission);
  return {};
}
}  // namespace

std::optional<Result<http::Principal>> BearerAuthenticator::verify(const http::Request& req, bool may_block) {
  std::string_view h = req.header("authorization");
  if (h.size() <= kBearer.size() || h.substr(0, kBearer.size()) != kBearer)
    return Result<http::Principal>(Status::unauthenticated("send Authorization: Bearer <access token or admin API key>"));
  std::string_view credential = h.substr(kBearer.size());
  if (credential.substr(0, kAdminKeyPrefix.size()) == kAdminKeyPrefix || !auth_) {
    std::string key(credential);
    std::optional<Result<std::string>> id = may_block ? std::optional(keys_.verify(key)) : keys_.verify_cached(key);
    if (!id) return std::nullopt;
    if (!id->ok()) return Result<http::Principal>(id->status());
    return Result<http::Principal>(http::Principal{std::string(kAdminPrincipal) + **id, "", ""});
  }
  // Tokens are checked from memory (keys and revocations are loaded at start
  // and kept current through the event log): never a reason to block.
  auto claims = auth_->verifier().verify(credential);
  if (!claims.ok()) return Result<http::Principal>(claims.status());
  const auto& c = *claims;
  if (!c->sid.empty() && auth_->session_revoked(c->sid))
    return Result<http::Principal>(Status::unauthenticated("session has been revoked"));
  int64_t auth_time = 0;
  if (const auto* at = c->extra.if_contains("auth_time"); at && at->is_int64()) auth_time = at->as_int64();
  return Result<http::Principal>(http::Principal{"user:" + c->sub, c->sub, c->sid, auth_time});
}

std::optional<Result<http::Principal>> BearerAuthenticator::authenticate_cached(const http::Request& req) {
  return verify(req, false);
}

Result<http::Principal> BearerAuthenticator::authenticate(const http::Request& req) { return *verify(req, true); }

std::optional<Status> BearerAuthenticator::authorize_cached(const http::Principal& who, const std::string& permission) {
  if (who.user_id.empty() && who.name.starts_with(kAdminPrincipal)) return Status();
  if (!access_) return Status::permission_denied("missing permission " + permission);
  auto& mine = ThreadPermissions::of(this);
  const uint64_t generation = access_->generation();
  const int64_t now = Clock::system().steady_ms();
  const access::EffectivePermissions* perms = mine.find(who.user_id, generation, now);
  if (!perms) {
    // Another thread (the blocking pool, after a miss) may have loaded it.
    auto shared = access_->effective_cached(who.user_id);
    if (!shared) return std::nullopt;
    perms = mine.keep(who.user_id, std::move(shared), generation, now);
  }
  return decide(*perms, permission);
}

Status BearerAuthenticator::authorize(const http::Principal& who, const std::string& permission) {
  if (auto answer = authorize_cached(who, permission)) return *answer;
  const uint64_t generation = access_->generation();  // before effective(): see AccessControl::generation
  SB_ASSIGN(auto perms, access_->effective(who.user_id));
  auto& mine = ThreadPermissions::of(this);
  return decide(*mine.keep(who.user_id, std::move(perms), generation, Clock::system().steady_ms()), permission);
}

}  // namespace sb::app
