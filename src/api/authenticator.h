// The pipeline's http::Authenticator for /v1/*: identity::Credentials says
// who is calling, access::PermissionCheck whether they hold the route's
// permission (admin keys hold every permission). Only the glue lives here;
// both decisions are their modules' own.
#pragma once

#include "access/permission_check.h"
#include "http/pipeline.h"
#include "identity/credentials.h"

namespace sb::api {

class BearerAuthenticator final : public http::Authenticator {
 public:
  // `check` may be null (admin keys only). Both must outlive this.
  BearerAuthenticator(const identity::Credentials& credentials, const access::PermissionCheck* check)
      : credentials_(credentials), check_(check) {}

  std::optional<Result<http::Principal>> authenticate_cached(const http::Request& req) override;
  Result<http::Principal> authenticate(const http::Request& req) override;
  std::optional<Status> authorize_cached(const http::Principal& who, const std::string& permission) override;
  Status authorize(const http::Principal& who, const std::string& permission) override;

 private:
  const identity::Credentials& credentials_;
  const access::PermissionCheck* check_;
};

}  // namespace sb::api
