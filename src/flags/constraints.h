// Evaluating compiled constraints (model.h) against a context.
#pragma once

#include <cstdint>
#include <vector>

#include "flags/model.h"

namespace sb::flags::detail {

// `clock` is read only by DATE_* constraints when the context has no currentTime.
bool matches(const Constraint& c, const Context& ctx, const Clock& clock);
bool all_match(const std::vector<Constraint>& cs, const Context& ctx, const Clock& clock);

// Byte-wise ASCII lower-casing: what a case-insensitive compile stores.
std::string ascii_lower(std::string_view s);

}  // namespace sb::flags::detail
