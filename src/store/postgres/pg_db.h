// PostgreSQL engine over libpq: two writer connections sharing one group-commit
// queue (WriteBatcher) and a pool of reader connections running read-only
// REPEATABLE READ snapshots. Sessions run with synchronous_commit=on, so a
// write is acknowledged only once its commit is durable. The Db it returns is
// thread-safe. Internal to store/.
#pragma once

#include <memory>
#include <string>

#include "store/db.h"

namespace sb::store {
// Connection failures return Code::kUnavailable with libpq's message; the
// password in `url` is never echoed.
Result<std::unique_ptr<Db>> open_postgres(const std::string& url, const Options& options);
}
