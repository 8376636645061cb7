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
}  // namespace

Result<http::Principal> BearerAuthenticator::authenticate(const http::Request& req) {
  std::string_view h = req.header("authorization");
  if (h.size() <= kBearer.size() || h.substr(0, kBearer.size()) != kBearer)
    return Status::unauthenticated("send Authorization: Bearer <access token or admin API key>");
  std::string_view credential = h.substr(kBearer.size());
  if (credential.substr(0, kAdminKeyPrefix.size()) == kAdminKeyPrefix || !auth_) {
    SB_ASSIGN(std::string id, keys_.verify(std::string(credential)));
    return http::Principal{std::string(kAdminPrincipal) + id, "", ""};
  }
  SB_ASSIGN(auto claims, auth_->verifier().verify(credential));
  if (!claims->sid.empty() && auth_->session_revoked(claims->sid))
    return Status::unauthenticated("session has been revoked");
  int64_t auth_time = 0;
  if (const auto* at = claims->extra.if_contains("auth_time"); at && at->is_int64()) auth_time = at->as_int64();
  return http::Principal{"user:" + claims->sub, claims->sub, claims->sid, auth_time};
}

Status BearerAuthenticator::authorize(const http::Principal& who, const std::string& permission) {
  if (who.user_id.empty() && who.name.starts_with(kAdminPrincipal)) return {};
  if (!access_) return Status::permission_denied("missing permission " + permission);
  // Each io thread keeps the effective permissions it last used per user,
  // valid while AccessControl's generation is unchanged (any grant or role
  // change, on any instance, moves it) and for at most a second, so the hot
  // path takes no lock. Route permissions are constants: no validation here.
  struct Cached {
    std::shared_ptr<const access::EffectivePermissions> perms;
    uint64_t generation;
    int64_t loaded_ms;
  };
  thread_local std::unordered_map<std::string, Cached> cache;
  thread_local const void* owner = nullptr;
  if (owner != this) {
    cache.clear();
    owner = this;
  }
  const uint64_t generation = access_->generation();
  const int64_t now = Clock::system().steady_ms();
  auto it = cache.find(who.user_id);
  if (it == cache.end() || it->second.generation != generation || now - it->second.loaded_ms > 1000) {
    SB_ASSIGN(auto perms, access_->effective(who.user_id));
    if (cache.size() >= 4096) cache.clear();
    it = cache.insert_or_assign(who.user_id, Cached{std::move(perms), generation, now}).first;
  }
  if (!it->second.perms->allows(permission)) return Status::permission_denied("missing permission " + permission);
  return {};
}

}  // namespace sb::app
