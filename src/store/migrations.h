// Migrations compiled into the binary from src/store/migrations/NNNN_name.sql
// (generated at configure time). Internal to store/.
#pragma once

#include <cstdint>
#include <vector>

namespace sb::store {

struct Migration {
  int64_t version;
  const char* name;
  const char* sql;
};

const std::vector<Migration>& compiled_migrations();

}  // namespace sb::store
