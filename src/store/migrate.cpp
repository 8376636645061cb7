#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "store/db.h"
#include "store/migrations.h"

namespace sb::store {

int64_t latest_migration() {
  const auto& all = compiled_migrations();
  return all.empty() ? 0 : all.back().version;
}

Result<int64_t> applied_migration(Db& db) {
  int64_t v = 0;
  Status s = db.read([&](Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT MAX(version) FROM schema_migrations"));
    if (!rows.empty()) v = rows[0].int_at(0);
    return {};
  });
  if (!s) return s;
  return v;
}

namespace {
bool for_engine(const Migration& m, Engine e) {
  std::string_view want = e == Engine::kSqlite ? "sqlite" : "postgresql";
  return m.engine[0] == '\0' || want == m.engine;
}

// One step per version: the file for this engine, or, when a version has only
// another engine's file, nothing to run but the version to record.
struct Step {
  const Migration* migration;
  bool run;
};
std::vector<Step> plan_for(Engine e) {
  std::vector<Step> steps;
  for (const Migration& m : compiled_migrations()) {
    bool mine = for_engine(m, e);
    if (!steps.empty() && steps.back().migration->version == m.version) {
      if (mine) steps.back() = {&m, true};
      continue;
    }
    steps.push_back({&m, mine});
  }
  return steps;
}
}  // namespace

Status migrate(Db& db, int64_t up_to) {
  SB_TRY(db.write([](Tx& tx) -> Status {
    // Instances starting together would race on the catalog (PostgreSQL
    // reports a duplicate pg_type row): serialise them first.
    if (tx.engine() == Engine::kPostgres) SB_TRY(tx.query("SELECT pg_advisory_xact_lock(7310001)"));
    return tx.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)");
  }));
  for (const Step& step : plan_for(db.engine())) {
    const Migration& m = *step.migration;
    if (m.version > up_to) break;
    bool applied = false;
    SB_TRY(db.write([&](Tx& tx) -> Status {
      // Several instances may start together on PostgreSQL: serialise them.
      if (tx.engine() == Engine::kPostgres)
        SB_TRY(tx.query("SELECT pg_advisory_xact_lock(7310001)"));
      SB_ASSIGN(auto rows, tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", {m.version}));
      if (!rows.empty()) return {};
      if (step.run) SB_TRY(tx.exec_script(m.sql));
      SB_TRY(tx.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                     {m.version, std::string(m.name), Clock::system().now_ms()}));
      applied = true;
      return {};
    }));
    if (applied && step.run) spdlog::info("store: applied migration {:04d}_{}", m.version, m.name);
  }
  return {};
}

}  // namespace sb::store
