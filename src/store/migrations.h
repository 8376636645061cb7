// Migrations compiled into the binary from src/store/migrations/NNNN_name.sql
// (generated at configure time). Internal to store/.
#pragma once

#include <cstdint>
#include <vector>

namespace sb::store {

struct Migration {
  int64_t version;
  const char* name;
  // "" for every engine, or "sqlite" / "postgresql" for a migration only that
  // engine needs (NNNN_name.sqlite.sql). A version with no file for an engine
  // is recorded there as applied with nothing to run, so versions stay
  // contiguous on both.
  const char* engine;
  const char* sql;
};

const std::vector<Migration>& compiled_migrations();

}  // namespace sb::store
