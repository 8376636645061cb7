// HTTP adapters for access control: roles, a user's role and permission
// grants, and permission checks. The acting principal (req.principal) is
// recorded as the actor of every change.
#pragma once

#include "api/component.h"
#include "http/message.h"

#include <memory>

namespace sb::access { class AccessControl; class PermissionCheck; }

namespace sb::api {

struct AccessDeps {
  access::AccessControl* access = nullptr;
};

// Roles: GET/POST /v1/roles, GET/PUT/DELETE /v1/roles/{name}
http::Response list_roles(const AccessDeps& s, http::Request& req);
http::Response create_role(const AccessDeps& s, http::Request& req);
http::Response get_role(const AccessDeps& s, http::Request& req);
http::Response put_role(const AccessDeps& s, http::Request& req);
http::Response delete_role(const AccessDeps& s, http::Request& req);
// Grants: PUT/DELETE /v1/users/{id}/roles/{role},
// PUT/DELETE /v1/users/{id}/permissions/{permission} (PUT body optional:
// {"effect":"allow"|"deny"} or {"deny":true}), GET /v1/users/{id}/permissions.
http::Response grant_user_role(const AccessDeps& s, http::Request& req);
http::Response revoke_user_role(const AccessDeps& s, http::Request& req);
http::Response grant_user_permission(const AccessDeps& s, http::Request& req);
http::Response revoke_user_permission(const AccessDeps& s, http::Request& req);
http::Response get_user_permissions(const AccessDeps& s, http::Request& req);
// POST /v1/access/check {"user","permission"} -> {"allowed"}
http::Response check_access(const AccessDeps& s, http::Request& req);

// Roles, grants and checks; every instance drops cached permissions on the
// role.* / permission.* events of the others.
class AccessComponent final : public Component {
 public:
  explicit AccessComponent(Kernel& kernel);
  ~AccessComponent() override;
  void declare(Declarations& d) override;
  Status init() override;
  void routes(std::vector<http::Route>& out) override;
  Status start() override;

  access::AccessControl& control() { return *access_; }
  const access::PermissionCheck& permission_check() { return *check_; }

 private:
  Kernel& kernel_;
  std::unique_ptr<access::AccessControl> access_;
  std::unique_ptr<access::PermissionCheck> check_;
  AccessDeps deps_;
};

}  // namespace sb::api
