#include "api/authenticator.h"

namespace sb::api {

namespace {
std::optional<Result<http::Principal>> principal_of(std::optional<Result<identity::Caller>> c) {
  if (!c) return std::nullopt;
  if (!c->ok()) return Result<http::Principal>(c->status());
  identity::Caller& who = **c;
  return Result<http::Principal>(
      http::Principal{std::move(who.name), std::move(who.user_id), std::move(who.session_id), who.auth_time,
                      std::move(who.roles)});
}
}  // namespace

std::optional<Result<http::Principal>> BearerAuthenticator::authenticate_cached(const http::Request& req) {
  return principal_of(credentials_.verify(req.header("authorization"), false));
}

Result<http::Principal> BearerAuthenticator::authenticate(const http::Request& req) {
  return *principal_of(credentials_.verify(req.header("authorization"), true));
}

std::optional<Status> BearerAuthenticator::authorize_cached(const http::Principal& who, const std::string& permission) {
  if (who.user_id.empty()) return Status();  // an admin key
  if (!check_) return Status::permission_denied("missing permission " + permission);
  return check_->allows_cached(who.user_id, permission);
}

Status BearerAuthenticator::authorize(const http::Principal& who, const std::string& permission) {
  if (who.user_id.empty()) return {};
  if (!check_) return Status::permission_denied("missing permission " + permission);
  return check_->allows(who.user_id, permission);
}

}  // namespace sb::api
