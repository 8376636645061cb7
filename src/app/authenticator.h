// The credentials /v1/* routes accept, behind http::Authenticator:
//   Authorization: Bearer sbk_…   an admin API key: every permission
//   Authorization: Bearer <JWT>   a user's access token: the permissions the
//                                 user's roles and grants give (access/)
// A JWT is checked for signature, algorithm, times, issuer and audience
// (identity::JwtVerifier, cached per token), and its session must not have
// been revoked (logout, refresh-token reuse) on any instance.
//
// The *_cached variants answer from memory; an admin key or a user's
// permissions not yet cached are looked up by the pipeline on the blocking
// pool, so an io thread never waits on the Db.
#pragma once

#include "http/pipeline.h"

namespace sb::identity { class ApiKeys; class AuthService; }
namespace sb::access { class AccessControl; }

namespace sb::app {

class BearerAuthenticator final : public http::Authenticator {
 public:
  // Each pointer must outlive this; `auth`/`access` may be null (admin keys only).
  BearerAuthenticator(identity::ApiKeys& keys, identity::AuthService* auth, access::AccessControl* access)
      : keys_(keys), auth_(auth), access_(access) {}

  std::optional<Result<http::Principal>> authenticate_cached(const http::Request& req) override;
  Result<http::Principal> authenticate(const http::Request& req) override;
  std::optional<Status> authorize_cached(const http::Principal& who, const std::string& permission) override;
  Status authorize(const http::Principal& who, const std::string& permission) override;

 private:
  // nullopt only when !may_block and the answer needs the Db.
  std::optional<Result<http::Principal>> verify(const http::Request& req, bool may_block);

  identity::ApiKeys& keys_;
  identity::AuthService* auth_;
  access::AccessControl* access_;
};

}  // namespace sb::app
