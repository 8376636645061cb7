// Renders the declared keys for people: `switchboard config describe` (text)
// and docs/configuration.md (Markdown, checked in, compared by a test so it
// cannot go stale). Pure functions of the declarations, sorted by key, so
// the output is the same on every machine.
#pragma once

#include <string>
#include <vector>

#include "config/key.h"

namespace sb::config {

// One line per key: key, type, default, applies, secret, description.
std::string describe_text(const std::vector<KeySpec>& keys);
// A Markdown document with one table per top-level section.
std::string describe_markdown(const std::vector<KeySpec>& keys);

}  // namespace sb::config
