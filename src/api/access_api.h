// HTTP adapters for access control: roles, a user's role and permission
// grants, and permission checks. The acting principal (req.principal) is
// recorded as the actor of every change.
#pragma once

#include "api/services.h"
#include "http/message.h"

namespace sb::api {
// Roles: GET/POST /v1/roles, GET/PUT/DELETE /v1/roles/{name}
http::Response list_roles(const Services& s, http::Request& req);
http::Response create_role(const Services& s, http::Request& req);
http::Response get_role(const Services& s, http::Request& req);
http::Response put_role(const Services& s, http::Request& req);
http::Response delete_role(const Services& s, http::Request& req);
// Grants: PUT/DELETE /v1/users/{id}/roles/{role},
// PUT/DELETE /v1/users/{id}/permissions/{permission} (PUT body optional:
// {"effect":"allow"|"deny"} or {"deny":true}), GET /v1/users/{id}/permissions.
http::Response grant_user_role(const Services& s, http::Request& req);
http::Response revoke_user_role(const Services& s, http::Request& req);
http::Response grant_user_permission(const Services& s, http::Request& req);
http::Response revoke_user_permission(const Services& s, http::Request& req);
http::Response get_user_permissions(const Services& s, http::Request& req);
// POST /v1/access/check {"user","permission"} -> {"allowed"}
http::Response check_access(const Services& s, http::Request& req);
}  // namespace sb::api
