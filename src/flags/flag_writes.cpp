// Flag changes through the admin API: put, enable/disable, archive/revive,
// delete and import. Each reads the store, applies the change in memory,
// compiles every environment's set from the result (so nothing invalid or
// dangling is ever stored) and writes the rows and the flag.updated event in
// one transaction.
#include <set>

#include "core/json.h"
#include "events/event_log.h"
#include "flags/service.h"
#include "flags/service_impl.h"
#include "store/db.h"

namespace sb::flags {

namespace bj = boost::json;
using detail::EnvFeature;
using detail::ErrorPlaces;
using detail::FlagRow;
using detail::StoreState;

namespace {

const std::set<std::string, std::less<>> kFlagTypes = {"release", "experiment", "kill-switch", "operational",
                                                       "permission"};
// Words the admin API uses as path segments under /v1/flags.
const std::set<std::string, std::less<>> kReservedNames = {"segments", "tokens", "import", "evaluate", "clients"};

Status validate_flag_name(std::string_view name, const std::string& field) {
  bool ok = !name.empty() && name.size() <= 100;
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.' || c == '~');
  if (!ok) return Status::invalid(field, "must be 1-100 characters of A-Z a-z 0-9 - _ . ~");
  if (kReservedNames.contains(name)) return Status::invalid(field, "is a reserved word of the flags API");
  return {};
}

// The seed's easy form: {"enabled", "users": [...], "rollout": 0..100} is a
// userWithId strategy for the listed users and a flexibleRollout for the rest.
Status easy_strategies(const bj::object& body, const std::string& name, const std::string& at, bj::array& out) {
  if (body.contains("strategies"))
    return Status::invalid(at + "/strategies", "give either strategies or users/rollout, not both");
  if (auto* users = body.if_contains("users")) {
    std::string ids;
    if (!users->is_array()) return Status::invalid(at + "/users", "must be an array of user ids");
    for (size_t i = 0; i < users->as_array().size(); ++i) {
      const auto& u = users->as_array()[i];
      if (!u.is_string() || u.as_string().empty() || u.as_string().find(',') != bj::string::npos)
        return Status::invalid(at + "/users/" + std::to_string(i), "must be a non-empty user id without commas");
      ids += (ids.empty() ? "" : ",") + std::string(u.as_string());
    }
    if (!ids.empty())
      out.push_back(bj::object{{"name", "userWithId"}, {"parameters", bj::object{{"userIds", ids}}},
                               {"constraints", bj::array{}}});
  }
  if (auto* rollout = body.if_contains("rollout")) {
    if (!rollout->is_int64() || rollout->as_int64() < 0 || rollout->as_int64() > 100)
      return Status::invalid(at + "/rollout", "must be an integer percentage, 0 to 100");
    out.push_back(bj::object{
        {"name", "flexibleRollout"},
        {"parameters",
         bj::object{{"rollout", std::to_string(rollout->as_int64())}, {"stickiness", "default"}, {"groupId", name}}},
        {"constraints", bj::array{}}});
  }
  return {};
}

// The Unleash server computes "variable" weights itself: what the "fix"
// variants leave of 1000, shared equally (the remainder to the first). A
// body that leaves a variable weight out gets them computed; one that gives
// every weight (an import, an export pasted back) is kept as given.
void fill_variable_weights(bj::value* variants) {
  if (!variants || !variants->is_array()) return;
  int64_t fixed = 0, variable = 0;
  bool missing = false;
  for (const auto& v : variants->as_array()) {
    if (!v.is_object()) return;  // compile names the bad element
    const bj::object& o = v.as_object();
    auto* type = o.if_contains("weightType");
    if (type && type->is_string() && type->as_string() == "fix") {
      if (auto* w = o.if_contains("weight"); w && w->is_int64()) fixed += w->as_int64();
    } else {
      ++variable;
      missing = missing || !o.contains("weight");
    }
  }
  if (!missing || variable == 0 || fixed > 1000) return;
  int64_t share = (1000 - fixed) / variable, rest = (1000 - fixed) % variable;
  for (auto& v : variants->as_array()) {
    bj::object& o = v.as_object();
    auto* type = o.if_contains("weightType");
    if (type && type->is_string() && type->as_string() == "fix") continue;
    o["weightType"] = "variable";
    o["weight"] = share + (rest-- > 0 ? 1 : 0);
  }
}

struct ParsedFlag {
  FlagRow row;
  bj::object feature;  // per-environment fields
  bool enabled = false;
  std::map<std::string, bool> environments;  // "environments": {"<env>": {"enabled"}}; empty = not given
};

// Reads one flag in the client API's features-array shape; `at` prefixes
// the pointers of errors ("" for a PUT body, "/features/3" for an import).
Status parse_flag(const bj::object& body, const std::string& name, const std::string& at, const Service& svc,
                  ParsedFlag& out) {
  std::vector<FieldError> errs;
  auto collect = [&](Status st) {
    for (const auto& f : st.fields()) errs.push_back(f);
  };
  std::string body_name;
  collect(json::get_string(body, "name", body_name, false, at));
  if (!body_name.empty() && body_name != name) errs.push_back({at + "/name", "must be the flag's name, " + name});
  out.row.name = name;
  collect(json::get_string(body, "type", out.row.type, false, at));
  if (!kFlagTypes.contains(out.row.type))
    errs.push_back({at + "/type", "must be release, experiment, kill-switch, operational or permission"});
  collect(json::get_string(body, "description", out.row.description, false, at));
  collect(json::get_string(body, "project", out.row.project, false, at));
  if (out.row.project.empty()) out.row.project = "default";
  collect(json::get_bool(body, "impressionData", out.row.impression_data, false, at));
  collect(json::get_bool(body, "enabled", out.enabled, false, at));
  if (auto* envs = body.if_contains("environments")) {
    if (!envs->is_object()) {
      errs.push_back({at + "/environments", "must be an object: {\"<environment>\": {\"enabled\": bool}}"});
    } else {
      for (const auto& [env, v] : envs->as_object()) {
        std::string field = at + "/environments/" + std::string(env);
        if (Status st = svc.check_environment(env, field); !st) collect(st);
        bool on = false;
        if (!v.is_object()) errs.push_back({field, "must be an object {\"enabled\": bool}"});
        else collect(json::get_bool(v.as_object(), "enabled", on, true, field));
        out.environments[std::string(env)] = on;
      }
    }
  }
  bool easy = body.contains("users") || body.contains("rollout");
  for (const auto& [k, v] : body)
    if (k != "environments" && k != "users" && k != "rollout") out.feature[k] = v;
  fill_variable_weights(out.feature.if_contains("variants"));
  if (auto* strategies = out.feature.if_contains("strategies"); strategies && strategies->is_array())
    for (auto& st : strategies->as_array())
      if (st.is_object()) fill_variable_weights(st.as_object().if_contains("variants"));
  if (easy) {
    bj::array strategies;
    if (Status st = easy_strategies(body, name, at, strategies); !st) collect(st);
    out.feature["strategies"] = std::move(strategies);
  }
  if (!errs.empty()) return Status::invalid(std::move(errs));
  return {};
}

// Applies a parsed flag to `state` for `targets` (environment → enabled);
// a new flag also gets the definition, disabled, in every other environment.
void apply_flag(StoreState& state, ParsedFlag& parsed, const std::map<std::string, bool>& targets,
                const std::vector<std::string>& environments, int64_t now_ms) {
  const std::string& name = parsed.row.name;
  auto existing = state.flags.find(name);
  bool created = existing == state.flags.end();
  parsed.row.created_at_ms = created ? now_ms : existing->second.created_at_ms;
  parsed.row.archived = created ? false : existing->second.archived;
  parsed.row.updated_at_ms = now_ms;
  state.flags[name] = parsed.row;
  auto& per_env = state.features[name];
  for (const auto& env : environments) {
    auto t = targets.find(env);
    if (t != targets.end()) per_env[env] = EnvFeature{t->second, parsed.feature};
    else if (!per_env.contains(env)) per_env[env] = EnvFeature{false, parsed.feature};
  }
}

// Names of live flags whose dependencies name `name`, with the environment.
std::vector<std::string> dependents(const StoreState& state, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [flag, envs] : state.features) {
    if (flag == name || state.flags.at(flag).archived) continue;
    for (const auto& [env, ef] : envs) {
      auto* deps = ef.feature.if_contains("dependencies");
      if (!deps || !deps->is_array()) continue;
      bool hit = false;
      for (const auto& d : deps->as_array())
        if (d.is_object())
          if (auto* f = d.as_object().if_contains("feature"); f && f->is_string() && f->as_string() == name) hit = true;
      if (hit) {
        out.push_back(flag);
        break;
      }
    }
  }
  return out;
}

Status conflict_if_depended_on(const StoreState& state, const std::string& name, const char* what) {
  auto deps = dependents(state, name);
  if (deps.empty()) return {};
  std::string list;
  for (const auto& d : deps) list += (list.empty() ? "" : ", ") + d;
  return Status::conflict(std::string("cannot ") + what + " " + name + ": flags depend on it (" + list + ")");
}

std::string change_data(const std::string& name, const char* change, const std::string& env, const bj::value& before,
                        const bj::value& after) {
  bj::object o{{"name", name}, {"change", change}, {"before", before}, {"after", after}};
  if (!env.empty()) o["environment"] = env;
  return json::serialize(o);
}

}  // namespace

Result<bj::object> Service::put_flag(const std::string& name, const bj::object& body, const std::string& env,
                                     const std::string& actor) {
  SB_TRY(validate_flag_name(name, "name"));
  SB_TRY(check_environment(env, "environment"));
  ParsedFlag parsed;
  SB_TRY(parse_flag(body, name, "", *this, parsed));
  std::map<std::string, bool> targets = parsed.environments;
  if (targets.empty()) targets[env] = parsed.enabled;
  SB_TRY(write_change([&](store::Tx& tx, int64_t revision) -> Status {
    SB_ASSIGN(StoreState state, detail::load_state(tx));
    state.revision = revision;
    if (auto it = state.flags.find(name); it != state.flags.end() && it->second.archived)
      return Status::conflict("flag " + name + " is archived; revive it before changing it");
    bj::value before = detail::flag_view(state, name, environments_);
    apply_flag(state, parsed, targets, environments_, clock_.now_ms());
    ErrorPlaces places;
    places.flag = [&](const std::string& f) -> std::optional<std::string> {
      if (f == name) return std::string();
      return std::nullopt;
    };
    SB_TRY(detail::validate(state, environments_, places, clock_));
    SB_TRY(detail::save_flag(tx, state, name));
    bj::value after = detail::flag_view(state, name, environments_);
    return log_.append(tx, kFlagUpdated.make_serialized(clock_, name, change_data(name, "put", "", before, after)))
        .status();
  }));
  return get_flag(name, env);
}

Result<bj::object> Service::get_flag(const std::string& name, const std::string& env) {
  SB_TRY(check_environment(env, "environment"));
  StoreState state;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(state, detail::load_state(tx));
    return {};
  }));
  auto it = state.flags.find(name);
  if (it == state.flags.end()) return Status::not_found("no flag " + name);
  const auto& per_env = state.features[name];
  auto e = per_env.find(env);
  bj::object out = detail::served_feature(it->second, e == per_env.end() ? EnvFeature{} : e->second);
  bj::object envs;
  for (const auto& known : environments_) {
    auto k = per_env.find(known);
    envs[known] = bj::object{{"enabled", k != per_env.end() && k->second.enabled}};
  }
  out["environments"] = std::move(envs);
  out["archived"] = it->second.archived;
  out["created_at"] = format_rfc3339(it->second.created_at_ms);
  out["updated_at"] = format_rfc3339(it->second.updated_at_ms);
  return out;
}

Result<bj::array> Service::list_flags(const std::string& env, bool archived) {
  SB_TRY(check_environment(env, "environment"));
  std::vector<std::string> names;
  SB_TRY(db_.read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT name FROM flags WHERE archived = $1 ORDER BY name", {int64_t{archived}}));
    for (const auto& r : rows) names.push_back(r.text_at(0));
    return {};
  }));
  bj::array out;
  for (const auto& n : names) {
    auto f = get_flag(n, env);
    if (f.ok()) out.push_back(std::move(*f));  // deleted meanwhile: skip
  }
  return out;
}

Status Service::delete_flag(const std::string& name, const std::string& actor) {
  return write_change([&](store::Tx& tx, int64_t revision) -> Status {
    SB_ASSIGN(StoreState state, detail::load_state(tx));
    if (!state.flags.contains(name)) return Status::not_found("no flag " + name);
    SB_TRY(conflict_if_depended_on(state, name, "delete"));
    bj::value before = detail::flag_view(state, name, environments_);
    SB_TRY(detail::delete_flag_rows(tx, name));
    return log_.append(tx, kFlagDeleted.make_serialized(clock_, name, change_data(name, "deleted", "", before, nullptr)))
        .status();
  });
}

Status Service::set_enabled(const std::string& name, const std::string& env, bool enabled, const std::string& actor) {
  SB_TRY(check_environment(env, "environment"));
  return write_change([&](store::Tx& tx, int64_t revision) -> Status {
    SB_ASSIGN(StoreState state, detail::load_state(tx));
    state.revision = revision;
    auto it = state.flags.find(name);
    if (it == state.flags.end()) return Status::not_found("no flag " + name);
    if (it->second.archived) return Status::conflict("flag " + name + " is archived; revive it first");
    bj::value before = detail::flag_view(state, name, environments_);
    state.features[name][env].enabled = enabled;
    it->second.updated_at_ms = clock_.now_ms();
    SB_TRY(detail::save_flag(tx, state, name));
    bj::value after = detail::flag_view(state, name, environments_);
    return log_
        .append(tx, kFlagUpdated.make_serialized(clock_, name,
                                                 change_data(name, enabled ? "enabled" : "disabled", env, before, after)))
        .status();
  });
}

Status Service::archive(const std::string& name, const std::string& actor) {
  return write_change([&](store::Tx& tx, int64_t revision) -> Status {
    SB_ASSIGN(StoreState state, detail::load_state(tx));
    auto it = state.flags.find(name);
    if (it == state.flags.end()) return Status::not_found("no flag " + name);
    if (it->second.archived) return {};
    SB_TRY(conflict_if_depended_on(state, name, "archive"));
    bj::value before = detail::flag_view(state, name, environments_);
    it->second.archived = true;
    it->second.updated_at_ms = clock_.now_ms();
    SB_TRY(detail::save_flag(tx, state, name));
    bj::value after = detail::flag_view(state, name, environments_);
    return log_.append(tx, kFlagUpdated.make_serialized(clock_, name, change_data(name, "archived", "", before, after)))
        .status();
  });
}

Status Service::revive(const std::string& name, const std::string& actor) {
  return write_change([&](store::Tx& tx, int64_t revision) -> Status {
    SB_ASSIGN(StoreState state, detail::load_state(tx));
    state.revision = revision;
    auto it = state.flags.find(name);
    if (it == state.flags.end()) return Status::not_found("no flag " + name);
    if (!it->second.archived) return {};
    bj::value before = detail::flag_view(state, name, environments_);
    it->second.archived = false;
    it->second.updated_at_ms = clock_.now_ms();
    for (auto& [env, ef] : state.features[name]) ef.enabled = false;
    ErrorPlaces places;
    places.fallback = "name";
    if (Status st = detail::validate(state, environments_, places, clock_); !st)
      return Status::conflict("cannot revive " + name + ": " + st.message());
    SB_TRY(detail::save_flag(tx, state, name));
    bj::value after = detail::flag_view(state, name, environments_);
    return log_.append(tx, kFlagUpdated.make_serialized(clock_, name, change_data(name, "revived", "", before, after)))
        .status();
  });
}

Result<bj::object> Service::import(const bj::object& doc, const std::string& env, const std::string& actor) {
  SB_TRY(check_environment(env, "environment"));
  auto* features = doc.if_contains("features");
  if (!features || !features->is_array()) return Status::invalid("/features", "must be an array of flags");
  const bj::array* segments = nullptr;
  if (auto* s = doc.if_contains("segments")) {
    if (!s->is_array()) return Status::invalid("/segments", "must be an array of segments");
    segments = &s->as_array();
  }
  std::vector<ParsedFlag> parsed(features->as_array().size());
  std::map<std::string, size_t> index_of;
  std::vector<FieldError> errs;
  for (size_t i = 0; i < parsed.size(); ++i) {
    std::string at = "/features/" + std::to_string(i);
    const auto& f = features->as_array()[i];
    std::string name;
    if (!f.is_object()) {
      errs.push_back({at, "must be a flag object"});
      continue;
    }
    if (Status st = json::get_string(f.as_object(), "name", name, true, at); !st) {
      for (const auto& fe : st.fields()) errs.push_back(fe);
      continue;
    }
    if (Status st = validate_flag_name(name, at + "/name"); !st) errs.push_back(st.fields()[0]);
    else if (!index_of.emplace(name, i).second) errs.push_back({at + "/name", "flag " + name + " appears twice"});
    else if (Status p = parse_flag(f.as_object(), name, at, *this, parsed[i]); !p)
      for (const auto& fe : p.fields()) errs.push_back(fe);
  }
  std::map<int64_t, bj::object> new_segments;
  std::map<int64_t, size_t> segment_index;
  for (size_t j = 0; segments && j < segments->size(); ++j) {
    std::string at = "/segments/" + std::to_string(j);
    const auto& s = (*segments)[j];
    auto* id = s.is_object() ? s.as_object().if_contains("id") : nullptr;
    auto* constraints = s.is_object() ? s.as_object().if_contains("constraints") : nullptr;
    if (!id || !id->is_int64() || id->as_int64() < 1) {
      errs.push_back({at + "/id", "must be a positive integer"});
      continue;
    }
    if (!constraints || !constraints->is_array()) {
      errs.push_back({at + "/constraints", "must be an array of constraints"});
      continue;
    }
    std::string seg_name = "segment-" + std::to_string(id->as_int64()), description;
    json::get_string(s.as_object(), "name", seg_name, false, at);
    json::get_string(s.as_object(), "description", description, false, at);
    segment_index[id->as_int64()] = j;
    new_segments[id->as_int64()] = bj::object{
        {"id", id->as_int64()}, {"name", seg_name}, {"description", description}, {"constraints", *constraints}};
  }
  if (!errs.empty()) return Status::invalid(std::move(errs));
  SB_TRY(write_change([&](store::Tx& tx, int64_t revision) -> Status {
    SB_ASSIGN(StoreState state, detail::load_state(tx));
    state.revision = revision;
    for (auto& [id, seg] : new_segments) state.segments[id] = seg;
    std::vector<bj::value> before(parsed.size());
    for (size_t i = 0; i < parsed.size(); ++i) {
      const std::string& name = parsed[i].row.name;
      if (auto it = state.flags.find(name); it != state.flags.end() && it->second.archived)
        return Status::invalid("/features/" + std::to_string(i) + "/name", "flag " + name + " is archived");
      before[i] = detail::flag_view(state, name, environments_);
      apply_flag(state, parsed[i], {{env, parsed[i].enabled}}, environments_, clock_.now_ms());
    }
    ErrorPlaces places;
    places.flag = [&](const std::string& f) -> std::optional<std::string> {
      auto it = index_of.find(f);
      if (it == index_of.end()) return std::nullopt;
      return "/features/" + std::to_string(it->second);
    };
    places.segment = [&](int64_t id) -> std::optional<std::string> {
      auto it = segment_index.find(id);
      if (it == segment_index.end()) return std::nullopt;
      return "/segments/" + std::to_string(it->second);
    };
    places.fallback = "/features";
    SB_TRY(detail::validate(state, environments_, places, clock_));
    for (const auto& [id, seg] : new_segments) {
      SB_TRY(detail::save_segment(tx, seg, clock_.now_ms()));
      std::string data = json::serialize(bj::object{{"id", id}, {"change", "imported"}, {"after", seg}});
      SB_TRY(log_.append(tx, kSegmentUpdated.make_serialized(clock_, std::to_string(id), std::move(data))).status());
    }
    for (size_t i = 0; i < parsed.size(); ++i) {
      const std::string& name = parsed[i].row.name;
      SB_TRY(detail::save_flag(tx, state, name));
      bj::value after = detail::flag_view(state, name, environments_);
      SB_TRY(log_.append(tx, kFlagUpdated.make_serialized(clock_, name,
                                                           change_data(name, "imported", env, before[i], after)))
                 .status());
    }
    return {};
  }));
  return bj::object{{"environment", env},
                    {"flags", static_cast<int64_t>(parsed.size())},
                    {"segments", static_cast<int64_t>(new_segments.size())}};
}

}  // namespace sb::flags
