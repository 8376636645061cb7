// The console providers' outbox: one JSON line per message appended to
// <data_dir>/outbox/<file>, so a developer sees what would have been sent.
#pragma once

#include <string>

#include <boost/json/object.hpp>

#include "core/result.h"
#include "providers/sender.h"

namespace sb::providers {

// Creates the outbox directory if needed; Unavailable if it cannot write.
// Concurrent appends never interleave within a line.
Status append_outbox_line(const ProviderEnv& env, const std::string& file, const boost::json::object& line);

}  // namespace sb::providers
