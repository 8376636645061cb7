// The service_instances row as the registry's two files read it (writes in
// registry.cpp, in-memory loads in registry_state.cpp). Internal.
#pragma once

#include "discovery/registry.h"

namespace sb::store { class Row; }

namespace sb::discovery {

inline constexpr const char* kInstanceColumns =
    "service, id, address, port, tags, meta, version, zone, check_def, ttl_ms, deregister_after_ms, health, output, "
    "registered_at, last_heartbeat, critical_since, change_index";

// A row selected with kInstanceColumns, in that order.
Instance instance_from_row(const store::Row& r);

}  // namespace sb::discovery
