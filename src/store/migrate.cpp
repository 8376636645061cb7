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
  const auto& all = compiled_migrations();
  for (size_t i = 0; i < all.size(); ++i) {
    const Migration& m = all[i];
    if (m.version > up_to) break;
    // Of the files sharing a version, run the one for this engine (if any) and
    // record the version once.
    bool last_of_version = i + 1 == all.size() || all[i + 1].version != m.version;
    bool mine = for_engine(m, db.engine());
    bool version_has_mine = false;
    for (const Migration& o : all)
      if (o.version == m.version && for_engine(o, db.engine())) version_has_mine = true;
    if (version_has_mine ? !mine : !last_of_version) continue;
    bool applied = false;
    SB_TRY(db.write([&](Tx& tx) -> Status {
      // Several instances may start together on PostgreSQL: serialise them.
      if (tx.engine() == Engine::kPostgres)
        SB_TRY(tx.query("SELECT pg_advisory_xact_lock(7310001)"));
      SB_ASSIGN(auto rows, tx.query("SELECT 1 FROM schema_migrations WHERE version = $1", {m.version}));
      if (!rows.empty()) return {};
      if (mine) SB_TRY(tx.exec_script(m.sql));
      SB_TRY(tx.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                     {m.version, std::string(m.name), Clock::system().now_ms()}));
      applied = true;
      return {};
    }));
    if (applied && mine) spdlog::info("store: applied migration {:04d}_{}", m.version, m.name);
  }
  return {};
}

}  // namespace sb::store
