#include "identity/credentials.h"

#include "identity/api_keys.h"
#include "identity/auth_service.h"

namespace sb::identity {

namespace {
constexpr std::string_view kBearer = "Bearer ";
constexpr std::string_view kAdminKeyPrefix = "sbk_";
constexpr std::string_view kAdminPrincipal = "admin-key:";
}  // namespace

std::optional<Result<Caller>> Credentials::verify(std::string_view h, bool may_block) const {
  if (h.size() <= kBearer.size() || h.substr(0, kBearer.size()) != kBearer)
    return Result<Caller>(Status::unauthenticated("send Authorization: Bearer <access token or admin API key>"));
  std::string_view credential = h.substr(kBearer.size());
  if (credential.substr(0, kAdminKeyPrefix.size()) == kAdminKeyPrefix || !auth_) {
    std::string key(credential);
    std::optional<Result<std::string>> id = may_block ? std::optional(keys_.verify(key)) : keys_.verify_cached(key);
    if (!id) return std::nullopt;
    if (!id->ok()) return Result<Caller>(id->status());
    return Result<Caller>(Caller{std::string(kAdminPrincipal) + **id, "", ""});
  }
  auto claims = auth_->verifier().verify(credential);
  if (!claims.ok()) return Result<Caller>(claims.status());
  const auto& c = *claims;
  if (!c->sid.empty() && auth_->session_revoked(c->sid))
    return Result<Caller>(Status::unauthenticated("session has been revoked"));
  int64_t auth_time = 0;
  if (const auto* at = c->extra.if_contains("auth_time"); at && at->is_int64()) auth_time = at->as_int64();
  return Result<Caller>(Caller{"user:" + c->sub, c->sub, c->sid, auth_time, c->roles});
}

}  // namespace sb::identity
