// Identifiers. Our own ids are UUIDv7 (RFC 9562): time-ordered, so unique
// indexes on them stay append-mostly (random v4 keys made SQLite batch inserts
// ~6x slower here, DESIGN.md). Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace sb {

class Clock;

// Canonical lowercase 8-4-4-4-12 text. Monotonic within one process.
std::string new_uuid_v7(const Clock& clock);
std::string new_uuid_v7();

}  // namespace sb
