// Embedded SQLite engine: WAL, one writer connection (group commit through
// WriteBatcher) and a pool of reader connections. Internal to store/.
#pragma once

#include <memory>
#include <string>

#include "store/db.h"

namespace sb::store {
Result<std::unique_ptr<Db>> open_sqlite(const std::string& path, const Options& options);
}
