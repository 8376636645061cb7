// Operator commands for identity and access: `switchboard user …`,
// `switchboard role …` and `switchboard keys rotate`. They act on the Db
// directly (like `config set`); running servers pick the changes up through
// the event log.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace CLI { class App; }

namespace sb::app {

class App;

struct IdentityCommands {
  CLI::App* user_create = nullptr;
  CLI::App* user_grant = nullptr;
  CLI::App* user_revoke = nullptr;
  CLI::App* user_show = nullptr;
  CLI::App* role_list = nullptr;
  CLI::App* role_create = nullptr;
  CLI::App* role_delete = nullptr;
  CLI::App* keys_rotate = nullptr;
  std::string email, phone, password, user, role, name, description;
  std::vector<std::string> roles, permissions;
  bool deny = false;
};

void add_identity_commands(CLI::App& cli, IdentityCommands& cmds, const std::function<void(CLI::App*)>& add_common);
// The exit code when one of these commands was given, nullopt otherwise.
std::optional<int> run_identity_commands(IdentityCommands& cmds, App& app);

}  // namespace sb::app
