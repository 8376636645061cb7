#include "app/cli_identity.h"
#include "app/cli_output.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "access/access_control.h"
#include "app/app.h"
#include "identity/auth_service.h"

namespace sb::app {

namespace {

constexpr const char* kActor = "cli";

// USER may be an id, an email address or an E.164 phone number.
Result<identity::User> find_user(App& app, const std::string& who) {
  if (who.find('@') != std::string::npos) return app.auth().find_user(who, "");
  if (!who.empty() && who[0] == '+') return app.auth().find_user("", who);
  return app.auth().get_user(who);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

void add_identity_commands(CLI::App& cli, IdentityCommands& c, const std::function<void(CLI::App*)>& add_common) {
  auto* user = cli.add_subcommand("user", "Create users and change their roles and permissions");
  user->require_subcommand(1);
  c.user_create = user->add_subcommand("create", "Create a user (password policy applies; no email is sent)");
  c.user_create->add_option("--email", c.email);
  c.user_create->add_option("--phone", c.phone, "E.164, e.g. +15551234567");
  c.user_create->add_option("--password", c.password)->required()->envname("SWITCHBOARD_USER_PASSWORD");
  c.user_create->add_option("--role", c.roles, "Role to grant (repeatable)");
  c.user_grant = user->add_subcommand("grant", "Grant a role or a permission to a user");
  c.user_revoke = user->add_subcommand("revoke", "Revoke a role or a permission from a user");
  for (auto* cmd : {c.user_grant, c.user_revoke}) {
    cmd->add_option("user", c.user, "User id, email or phone")->required();
    cmd->add_option("--role", c.roles, "Role (repeatable)");
    cmd->add_option("--permission", c.permissions, "resource:action (repeatable)");
  }
  c.user_grant->add_flag("--deny", c.deny, "Grant the permissions as explicit denies (they win over any allow)");
  c.user_show = user->add_subcommand("show", "Print a user and their effective permissions");
  c.user_show->add_option("user", c.user, "User id, email or phone")->required();

  auto* role = cli.add_subcommand("role", "List, create and delete roles");
  role->require_subcommand(1);
  c.role_list = role->add_subcommand("list", "List roles and their permissions");
  c.role_create = role->add_subcommand("create", "Create or replace a role");
  c.role_create->add_option("name", c.name)->required();
  c.role_create->add_option("--permission", c.permissions, "resource:action (repeatable)");
  c.role_create->add_option("--description", c.description);
  c.role_delete = role->add_subcommand("delete", "Delete a role (built-in roles cannot be deleted)");
  c.role_delete->add_option("name", c.name)->required();

  auto* keys = cli.add_subcommand("keys", "Token signing keys");
  keys->require_subcommand(1);
  c.keys_rotate = keys->add_subcommand("rotate", "New signing key; the previous one verifies until its tokens expire");

  for (auto* cmd : {c.user_create, c.user_grant, c.user_revoke, c.user_show, c.role_list, c.role_create, c.role_delete,
                    c.keys_rotate})
    add_common(cmd);
}

std::optional<int> run_identity_commands(IdentityCommands& c, App& app) {
  access::AccessControl& ac = app.access();
  if (*c.user_create) {
    auto u = app.auth().create_user({c.email, c.phone, c.password});
    if (!u.ok()) return fail(u.status());
    for (auto& r : c.roles)
      if (Status s = ac.grant_role(u->id, r, kActor); !s) return fail(s);
    std::printf("%s\n", u->id.c_str());
    return 0;
  }
  if (*c.user_grant || *c.user_revoke) {
    bool grant = static_cast<bool>(*c.user_grant);
    if (c.roles.empty() && c.permissions.empty()) return fail(Status::invalid("--role", "give --role or --permission"));
    auto u = find_user(app, c.user);
    if (!u.ok()) return fail(u.status());
    for (auto& r : c.roles)
      if (Status s = grant ? ac.grant_role(u->id, r, kActor) : ac.revoke_role(u->id, r, kActor); !s) return fail(s);
    for (auto& p : c.permissions)
      if (Status s = grant ? ac.grant_permission(u->id, p, c.deny, kActor) : ac.revoke_permission(u->id, p, kActor); !s)
        return fail(s);
    return 0;
  }
  if (*c.user_show) {
    auto u = find_user(app, c.user);
    if (!u.ok()) return fail(u.status());
    auto eff = ac.effective(u->id);
    if (!eff.ok()) return fail(eff.status());
    std::printf("id: %s\nemail: %s\nphone: %s\nroles: %s\nallow: %s\ndeny: %s\n", u->id.c_str(), u->email.c_str(),
                u->phone.c_str(), join((*eff)->roles).c_str(), join((*eff)->allow).c_str(),
                join((*eff)->deny).c_str());
    return 0;
  }
  if (*c.role_list) {
    auto roles = ac.list_roles();
    if (!roles.ok()) return fail(roles.status());
    for (auto& r : *roles) std::printf("%s: %s\n", r.name.c_str(), join(r.permissions).c_str());
    return 0;
  }
  if (*c.role_create) {
    access::Role r;
    r.name = c.name;
    r.description = c.description;
    r.permissions = c.permissions;
    auto put = ac.put_role(r, kActor);
    return put.ok() ? 0 : fail(put.status());
  }
  if (*c.role_delete) {
    Status s = ac.delete_role(c.name, kActor);
    return s ? 0 : fail(s);
  }
  if (*c.keys_rotate) {
    Status s = app.auth().rotate_signing_key();
    if (!s) return fail(s);
    std::printf("new signing key: %s\n", app.auth().keys().current()->kid().c_str());
    return 0;
  }
  return std::nullopt;
}

}  // namespace sb::app
