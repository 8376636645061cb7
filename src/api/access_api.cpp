#include "api/access_api.h"
#include "events/event.h"

#include "access/access_control.h"
#include "access/permission_check.h"
#include "api/json_body.h"
#include "core/clock.h"
#include "core/json.h"

namespace sb::api {

namespace bj = boost::json;

namespace {

bj::object role_json(const access::Role& r) {
  bj::array perms;
  for (const auto& p : r.permissions) perms.emplace_back(p);
  bj::object o{{"name", r.name},
               {"description", r.description},
               {"permissions", std::move(perms)},
               {"builtin", r.builtin}};
  // Built-in roles are seeded by a migration with no meaningful time.
  if (r.created_at_ms > 0) o["created_at"] = format_rfc3339(r.created_at_ms);
  if (r.updated_at_ms > 0) o["updated_at"] = format_rfc3339(r.updated_at_ms);
  return o;
}

bj::array string_array(const std::vector<std::string>& v) {
  bj::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

http::Response no_content() { return http::Response{204, {}, {}, nullptr}; }

// Reads "description" and "permissions" of a role body into `role`.
Status read_role_fields(const bj::object& o, access::Role& role) {
  std::vector<FieldError> errs;
  if (Status st = json::get_string(o, "description", role.description, false); !st)
    for (auto& f : st.fields()) errs.push_back(f);
  if (auto* p = o.if_contains("permissions")) {
    if (!p->is_array()) {
      errs.push_back({"/permissions", "must be an array of strings"});
    } else {
      const auto& arr = p->get_array();
      for (size_t i = 0; i < arr.size(); ++i) {
        if (!arr[i].is_string())
          errs.push_back({"/permissions/" + std::to_string(i), "must be a string"});
        else
          role.permissions.emplace_back(arr[i].get_string());
      }
    }
  }
  if (!errs.empty()) return Status::invalid(std::move(errs));
  return {};
}

http::Response user_view(const AccessDeps& s, http::Request& req, const std::string& user) {
  auto perms = s.access->effective(user);
  if (!perms.ok()) return error_response(perms.status(), req);
  return json_response(200, bj::object{{"user", user},
                                       {"roles", string_array((*perms)->roles)},
                                       {"allow", string_array((*perms)->allow)},
                                       {"deny", string_array((*perms)->deny)}});
}

}  // namespace

http::Response list_roles(const AccessDeps& s, http::Request& req) {
  auto roles = s.access->list_roles();
  if (!roles.ok()) return error_response(roles.status(), req);
  bj::array out;
  for (const auto& r : *roles) out.push_back(role_json(r));
  return json_response(200, bj::object{{"roles", std::move(out)}});
}

http::Response create_role(const AccessDeps& s, http::Request& req) {
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  access::Role role;
  std::vector<FieldError> errs;
  if (Status st = json::get_string(*body, "name", role.name, true); !st)
    for (auto& f : st.fields()) errs.push_back(f);
  if (Status st = read_role_fields(*body, role); !st)
    for (auto& f : st.fields()) errs.push_back(f);
  if (!errs.empty()) return error_response(Status::invalid(std::move(errs)), req);
  auto created = s.access->create_role(role, req.principal);
  if (!created.ok()) return error_response(created.status(), req);
  return json_response(201, role_json(*created)).with_header("Location", std::string("/v1/roles") + "/" + created->name);
}

http::Response get_role(const AccessDeps& s, http::Request& req) {
  auto role = s.access->get_role(req.params["name"]);
  if (!role.ok()) return error_response(role.status(), req);
  return json_response(200, role_json(*role));
}

http::Response put_role(const AccessDeps& s, http::Request& req) {
  const std::string& name = req.params["name"];
  if (Status st = access::validate_role_name(name, "name"); !st) return error_response(st, req);
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  access::Role role;
  std::vector<FieldError> errs;
  std::string body_name;
  if (Status st = json::get_string(*body, "name", body_name, false); !st)
    for (auto& f : st.fields()) errs.push_back(f);
  else if (!body_name.empty() && body_name != name)
    errs.push_back({"/name", "must match the role name in the path (roles cannot be renamed)"});
  if (Status st = read_role_fields(*body, role); !st)
    for (auto& f : st.fields()) errs.push_back(f);
  if (!errs.empty()) return error_response(Status::invalid(std::move(errs)), req);
  role.name = name;
  auto saved = s.access->put_role(role, req.principal);
  if (!saved.ok()) return error_response(saved.status(), req);
  return json_response(200, role_json(*saved));
}

http::Response delete_role(const AccessDeps& s, http::Request& req) {
  if (Status st = s.access->delete_role(req.params["name"], req.principal); !st) return error_response(st, req);
  return no_content();
}

http::Response grant_user_role(const AccessDeps& s, http::Request& req) {
  const std::string& user = req.params["id"];
  if (Status st = s.access->grant_role(user, req.params["role"], req.principal); !st) return error_response(st, req);
  return user_view(s, req, user);
}

// Revokes answer like grants, with what the user holds now: the caller sees
// the effect (another role may still grant the permission) without a GET.
http::Response revoke_user_role(const AccessDeps& s, http::Request& req) {
  const std::string& user = req.params["id"];
  if (Status st = s.access->revoke_role(user, req.params["role"], req.principal); !st)
    return error_response(st, req);
  return user_view(s, req, user);
}

http::Response grant_user_permission(const AccessDeps& s, http::Request& req) {
  const std::string& user = req.params["id"];
  bool deny = false;
  if (!req.body.empty()) {
    auto body = object_body(req);
    if (!body.ok()) return error_response(body.status(), req);
    std::string effect;
    bool has_deny = body->contains("deny");
    if (Status st = json::get_string(*body, "effect", effect, false); !st) return error_response(st, req);
    if (Status st = json::get_bool(*body, "deny", deny, false); !st) return error_response(st, req);
    if (!effect.empty()) {
      if (effect != "allow" && effect != "deny")
        return error_response(Status::invalid("/effect", "must be \"allow\" or \"deny\""), req);
      if (has_deny && deny != (effect == "deny"))
        return error_response(Status::invalid("/deny", "contradicts \"effect\"; send one of them"), req);
      deny = effect == "deny";
    }
  }
  if (Status st = s.access->grant_permission(user, req.params["permission"], deny, req.principal); !st)
    return error_response(st, req);
  return user_view(s, req, user);
}

http::Response revoke_user_permission(const AccessDeps& s, http::Request& req) {
  const std::string& user = req.params["id"];
  if (Status st = s.access->revoke_permission(user, req.params["permission"], req.principal); !st)
    return error_response(st, req);
  return user_view(s, req, user);
}

http::Response get_user_permissions(const AccessDeps& s, http::Request& req) {
  return user_view(s, req, req.params["id"]);
}

http::Response check_access(const AccessDeps& s, http::Request& req) {
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  std::string user, permission;
  std::vector<FieldError> errs;
  if (Status st = json::get_string(*body, "user", user, true); !st)
    for (auto& f : st.fields()) errs.push_back(f);
  if (Status st = json::get_string(*body, "permission", permission, true); !st)
    for (auto& f : st.fields()) errs.push_back(f);
  if (!errs.empty()) return error_response(Status::invalid(std::move(errs)), req);
  if (Status st = access::validate_user_id(user, "/user"); !st) return error_response(st, req);
  if (Status st = access::validate_permission(permission, "/permission"); !st) return error_response(st, req);
  auto allowed = s.access->check(user, permission);
  if (!allowed.ok()) return error_response(allowed.status(), req);
  return json_response(200, bj::object{{"user", user}, {"permission", permission}, {"allowed", *allowed}});
}

// ---- component

AccessComponent::AccessComponent(Kernel& kernel) : Component("access"), kernel_(kernel) {}
AccessComponent::~AccessComponent() = default;

void AccessComponent::declare(Declarations& d) {
  d.permission("roles:read", "List and read roles");
  d.permission("roles:write", "Create, change and delete roles");
  d.permission("grants:read", "Read a user's roles and effective permissions");
  d.permission("grants:write", "Grant and revoke a user's roles and permissions");
  d.permission("access:check", "Ask whether a user holds a permission");
  d.event_types_of(access::kAccessEventTypes);
}

Status AccessComponent::init() {
  access_ = std::make_unique<access::AccessControl>(*kernel_.db, *kernel_.events, kernel_.clock);
  check_ = std::make_unique<access::PermissionCheck>(*access_);
  deps_ = {access_.get()};
  return {};
}

void AccessComponent::routes(std::vector<http::Route>& out) {
  using http::Access;
  RouteTable t(out, deps_);
  t.add({"GET", "/v1/roles", t.pool(list_roles), Access::kPermission, "roles:read"});
  t.add({"POST", "/v1/roles", t.pool(create_role), Access::kPermission, "roles:write"});
  t.add({"GET", "/v1/roles/{name}", t.pool(get_role), Access::kPermission, "roles:read"});
  t.add({"PUT", "/v1/roles/{name}", t.pool(put_role), Access::kPermission, "roles:write"});
  t.add({"DELETE", "/v1/roles/{name}", t.pool(delete_role), Access::kPermission, "roles:write"});
  t.add({"PUT", "/v1/users/{id}/roles/{role}", t.pool(grant_user_role), Access::kPermission, "grants:write"});
  t.add({"DELETE", "/v1/users/{id}/roles/{role}", t.pool(revoke_user_role), Access::kPermission, "grants:write"});
  t.add({"PUT", "/v1/users/{id}/permissions/{permission}", t.pool(grant_user_permission), Access::kPermission,
         "grants:write"});
  t.add({"DELETE", "/v1/users/{id}/permissions/{permission}", t.pool(revoke_user_permission), Access::kPermission,
         "grants:write"});
  t.add({"GET", "/v1/users/{id}/permissions", t.pool(get_user_permissions), Access::kPermission, "grants:read"});
  t.add({"POST", "/v1/access/check", t.pool(check_access), Access::kPermission, "access:check"});
}

Status AccessComponent::start() {
  access::AccessControl* ac = access_.get();
  auto drop_cached = [ac](const events::Event& e) { ac->apply_event(e); };
  follow_log(kernel_, "role.*", drop_cached);
  follow_log(kernel_, "permission.*", drop_cached);
  return {};
}

}  // namespace sb::api
