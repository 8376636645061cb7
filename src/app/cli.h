// The `switchboard` command line: serve, admin-key, config, events.
#pragma once

namespace sb::app {
int run_cli(int argc, char** argv, char** envp);
}
