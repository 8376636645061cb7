// What provider and channel key declarations share. Every provider key is
// read when a channel rebuilds its chain, and a change under "<channel>."
// triggers that rebuild (Channel watches it), so they are all `config::hot`.
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "config/key.h"
#include "providers/http_client.h"

namespace sb::providers::keys {

// Check for URL keys: http:// or https://.
inline const auto kHttpUrl =
    config::check([](const std::string& v) { return check_http_url(v); }, "http:// or https:// URL");

}  // namespace sb::providers::keys
