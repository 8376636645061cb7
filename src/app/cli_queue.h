// Operator commands for the job queues: `switchboard queue ls|stats|jobs|
// retry|pause|resume`. Like `user`/`role` they act on the store directly
// through App::jobs() (the queue's housekeeping timer is not started);
// running servers see the changes in the shared tables.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace CLI { class App; }

namespace sb::app {

class App;

struct QueueCommands {
  CLI::App* ls = nullptr;
  CLI::App* stats = nullptr;
  CLI::App* jobs = nullptr;
  CLI::App* retry = nullptr;
  CLI::App* pause = nullptr;
  CLI::App* resume = nullptr;
  std::string queue, id, state;
  int limit = 20;
  bool json = false;
  bool all_dead = false;
};

void add_queue_commands(CLI::App& cli, QueueCommands& cmds, const std::function<void(CLI::App*)>& add_common);
// The exit code when one of these commands was given, nullopt otherwise.
std::optional<int> run_queue_commands(QueueCommands& cmds, App& app);

}  // namespace sb::app
