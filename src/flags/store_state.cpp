#include "flags/service_impl.h"

#include "core/json.h"
#include "store/db.h"

namespace sb::flags::detail {

namespace {

Result<bj::object> parse_object(const std::string& text, const std::string& what) {
  auto v = json::parse(text);
  if (!v.ok() || !v->is_object()) return Status::internal("stored " + what + " is not a JSON object");
  return std::move(v->as_object());
}

// Fields a flag has once, whatever the environment: kept in `flags`, not in
// the per-environment feature.
bool is_flag_field(std::string_view key) {
  return key == "name" || key == "type" || key == "description" || key == "project" || key == "impressionData" ||
         key == "enabled";
}

}  // namespace

Result<StoreState> load_state(store::Tx& tx) {
  StoreState st;
  SB_ASSIGN(auto rev, tx.query("SELECT revision FROM flag_revision WHERE id = 1"));
  st.revision = rev.empty() ? 0 : rev[0].int_at(0);
  SB_ASSIGN(auto flags, tx.query("SELECT name, type, description, project, impression_data, archived, created_at, "
                                 "updated_at FROM flags"));
  for (const auto& r : flags) {
    FlagRow f{r.text_at(0), r.text_at(1), r.text_at(2), r.text_at(3), r.int_at(4) != 0, r.int_at(5) != 0,
              r.int_at(6), r.int_at(7)};
    st.flags.emplace(f.name, std::move(f));
  }
  SB_ASSIGN(auto envs, tx.query("SELECT name, environment, enabled, feature FROM flag_environments"));
  for (const auto& r : envs) {
    SB_ASSIGN(auto feature, parse_object(r.text_at(3), "flag " + r.text_at(0)));
    st.features[r.text_at(0)][r.text_at(1)] = EnvFeature{r.int_at(2) != 0, std::move(feature)};
  }
  SB_ASSIGN(auto segs, tx.query("SELECT id, name, description, constraints FROM flag_segments"));
  for (const auto& r : segs) {
    auto c = json::parse(r.text_at(3));
    if (!c.ok() || !c->is_array()) return Status::internal("stored segment constraints are not a JSON array");
    st.segments[r.int_at(0)] = bj::object{
        {"id", r.int_at(0)}, {"name", r.text_at(1)}, {"description", r.text_at(2)}, {"constraints", std::move(*c)}};
  }
  return st;
}

Result<int64_t> bump_revision(store::Tx& tx) {
  SB_ASSIGN(auto rows, tx.query("UPDATE flag_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision"));
  if (rows.empty()) return Status::internal("flag_revision row is missing");
  return rows[0].int_at(0);
}

bj::object served_feature(const FlagRow& flag, const EnvFeature& env) {
  bj::object out;
  out["name"] = flag.name;
  out["type"] = flag.type;
  out["description"] = flag.description;
  out["project"] = flag.project;
  out["enabled"] = env.enabled;
  out["impressionData"] = flag.impression_data;
  for (const auto& [k, v] : env.feature)
    if (!is_flag_field(k)) out[k] = v;
  if (!out.contains("strategies")) out["strategies"] = bj::array{};
  if (!out.contains("variants")) out["variants"] = bj::array{};
  return out;
}

bj::object client_document(const StoreState& state, const std::string& env, int64_t revision) {
  bj::array features;
  for (const auto& [name, flag] : state.flags) {
    if (flag.archived) continue;
    auto f = state.features.find(name);
    if (f == state.features.end()) continue;
    auto e = f->second.find(env);
    if (e == f->second.end()) continue;
    features.push_back(served_feature(flag, e->second));
  }
  bj::array segments;
  for (const auto& [id, seg] : state.segments)
    segments.push_back(bj::object{{"id", id}, {"name", seg.at("name")}, {"constraints", seg.at("constraints")}});
  return bj::object{{"version", 2},
                    {"features", std::move(features)},
                    {"segments", std::move(segments)},
                    {"query", bj::object{{"environment", env}, {"inlineSegmentConstraints", false}}},
                    {"meta", bj::object{{"revisionId", revision}}}};
}

bj::value flag_view(const StoreState& state, const std::string& name, const std::vector<std::string>& environments) {
  auto f = state.flags.find(name);
  if (f == state.flags.end()) return nullptr;
  const FlagRow& flag = f->second;
  bj::object envs;
  auto per_env = state.features.find(name);
  for (const auto& env : environments) {
    if (per_env == state.features.end()) break;
    auto e = per_env->second.find(env);
    if (e == per_env->second.end()) continue;
    bj::object o = served_feature(flag, e->second);
    for (auto k : {"name", "type", "description", "project", "impressionData"}) o.erase(k);
    envs[env] = std::move(o);
  }
  return bj::object{{"name", flag.name},
                    {"type", flag.type},
                    {"description", flag.description},
                    {"project", flag.project},
                    {"impressionData", flag.impression_data},
                    {"archived", flag.archived},
                    {"environments", std::move(envs)}};
}

namespace {

// "/features/12/strategies/0" with prefix "/features/" -> 12 and "/strategies/0".
bool split_index(std::string_view field, std::string_view prefix, size_t& idx, std::string_view& rest) {
  if (!field.starts_with(prefix)) return false;
  std::string_view tail = field.substr(prefix.size());
  size_t slash = tail.find('/');
  std::string_view num = tail.substr(0, slash);
  if (num.empty()) return false;
  idx = 0;
  for (char c : num) {
    if (c < '0' || c > '9') return false;
    idx = idx * 10 + static_cast<size_t>(c - '0');
  }
  rest = slash == std::string_view::npos ? std::string_view("") : tail.substr(slash);
  return true;
}

FieldError place_error(const FieldError& fe, const bj::object& doc, const std::string& env, const ErrorPlaces& places) {
  const bj::array& features = doc.at("features").as_array();
  const bj::array& segments = doc.at("segments").as_array();
  size_t idx = 0;
  std::string_view rest;
  if (split_index(fe.field, "/features/", idx, rest) && idx < features.size()) {
    std::string flag(features[idx].as_object().at("name").as_string());
    if (auto at = places.flag ? places.flag(flag) : std::nullopt) {
      std::string field = *at + std::string(rest);
      return {field.empty() ? "/" : field, fe.message};
    }
    return {places.fallback, "flag " + flag + " in " + env + std::string(rest) + ": " + fe.message};
  }
  if (split_index(fe.field, "/segments/", idx, rest) && idx < segments.size()) {
    int64_t id = segments[idx].as_object().at("id").to_number<int64_t>();
    if (auto at = places.segment ? places.segment(id) : std::nullopt) {
      std::string field = *at + std::string(rest);
      return {field.empty() ? "/" : field, fe.message};
    }
    return {places.fallback, "segment " + std::to_string(id) + std::string(rest) + ": " + fe.message};
  }
  return {places.fallback, env + " " + fe.field + ": " + fe.message};
}

}  // namespace

Status validate(const StoreState& state, const std::vector<std::string>& environments, const ErrorPlaces& places,
                const Clock& clock) {
  std::vector<FieldError> out;
  for (const auto& env : environments) {
    bj::object doc = client_document(state, env, state.revision);
    auto compiled = FlagSet::compile(doc, clock);
    if (compiled.ok()) continue;
    const Status& st = compiled.status();
    if (st.fields().empty()) out.push_back({places.fallback, env + ": " + st.message()});
    for (const FieldError& fe : st.fields()) {
      FieldError placed = place_error(fe, doc, env, places);
      bool dup = false;  // the same flag fails the same way in every environment
      for (const auto& o : out) dup = dup || (o.field == placed.field && o.message == placed.message);
      if (!dup) out.push_back(std::move(placed));
    }
  }
  if (out.empty()) return {};
  return Status::invalid(std::move(out));
}

Status save_flag(store::Tx& tx, const StoreState& state, const std::string& name) {
  const FlagRow& f = state.flags.at(name);
  SB_TRY(tx.exec(
      "INSERT INTO flags (name, type, description, project, impression_data, archived, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO UPDATE SET type = excluded.type, "
      "description = excluded.description, project = excluded.project, impression_data = excluded.impression_data, "
      "archived = excluded.archived, updated_at = excluded.updated_at",
      {f.name, f.type, f.description, f.project, int64_t{f.impression_data}, int64_t{f.archived}, f.created_at_ms,
       f.updated_at_ms}));
  auto envs = state.features.find(name);
  if (envs == state.features.end()) return {};
  for (const auto& [env, ef] : envs->second) {
    SB_TRY(tx.exec("INSERT INTO flag_environments (name, environment, enabled, feature) VALUES ($1, $2, $3, $4) "
                   "ON CONFLICT (name, environment) DO UPDATE SET enabled = excluded.enabled, "
                   "feature = excluded.feature",
                   {name, env, int64_t{ef.enabled}, json::serialize(ef.feature)}));
  }
  return {};
}

Status save_segment(store::Tx& tx, const bj::object& segment, int64_t now_ms) {
  return tx
      .exec("INSERT INTO flag_segments (id, name, description, constraints, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
            "description = excluded.description, constraints = excluded.constraints, updated_at = excluded.updated_at",
            {segment.at("id").to_number<int64_t>(), std::string(segment.at("name").as_string()),
             std::string(segment.at("description").as_string()), json::serialize(segment.at("constraints")), now_ms})
      .status();
}

Status delete_flag_rows(store::Tx& tx, const std::string& name) {
  SB_TRY(tx.exec("DELETE FROM flag_environments WHERE name = $1", {name}));
  SB_TRY(tx.exec("DELETE FROM flags WHERE name = $1", {name}));
  return {};
}

std::set<int64_t> segments_used(const bj::object& feature) {
  std::set<int64_t> out;
  auto* strategies = feature.if_contains("strategies");
  if (!strategies || !strategies->is_array()) return out;
  for (const auto& s : strategies->as_array()) {
    if (!s.is_object()) continue;
    auto* segs = s.as_object().if_contains("segments");
    if (!segs || !segs->is_array()) continue;
    for (const auto& id : segs->as_array())
      if (id.is_int64()) out.insert(id.as_int64());
      else if (id.is_uint64()) out.insert(static_cast<int64_t>(id.as_uint64()));
  }
  return out;
}

}  // namespace sb::flags::detail
