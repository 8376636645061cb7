// Configuration keys owned by the server itself (listening, limits, store,
// logging, event delivery). Module keys are declared by their modules.
#pragma once

namespace sb::config { class ConfigService; }

namespace sb::app {
void declare_server_keys(config::ConfigService& config);
}
