// The `switchboard` command line: serve, admin-key, config, events, user, role, keys,
// queue, push.
#pragma once

namespace sb::app {
int run_cli(int argc, char** argv, char** envp);
}
