// Operator commands for the service registry: `switchboard services
// ls|show|deregister`. Like `queue` they act on the store directly through
// App::services(); running servers see the change through the event log.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace CLI { class App; }

namespace sb::app {

class App;

struct ServicesCommands {
  CLI::App* ls = nullptr;
  CLI::App* show = nullptr;
  CLI::App* deregister = nullptr;
  std::string service, id;
  bool json = false;
};

void add_services_commands(CLI::App& cli, ServicesCommands& cmds, const std::function<void(CLI::App*)>& add_common);
// The exit code when one of these commands was given, nullopt otherwise.
std::optional<int> run_services_commands(ServicesCommands& cmds, App& app);

}  // namespace sb::app
