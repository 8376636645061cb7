// Internals shared by the flag store's files: the whole store read into
// memory (flags are few and small; every write validates the set it joins,
// so it reads them all anyway), the documents built from it, and the rows
// written back. Not part of the module's surface.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "flags/evaluator.h"

namespace sb::store { class Tx; }

namespace sb::flags::detail {

namespace bj = boost::json;

struct FlagRow {
  std::string name;
  std::string type = "release";
  std::string description;
  std::string project = "default";
  bool impression_data = false;
  bool archived = false;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// A flag in one environment: enabled plus the per-environment fields
// (strategies, variants, dependencies, and whatever else the client API
// document carried, served back as given).
struct EnvFeature {
  bool enabled = false;
  bj::object feature;
};

struct StoreState {
  int64_t revision = 0;
  std::map<std::string, FlagRow> flags;
  std::map<std::string, std::map<std::string, EnvFeature>> features;  // flag → environment → feature
  std::map<int64_t, bj::object> segments;                               // id → {id, name, description, constraints}
};

Result<StoreState> load_state(store::Tx& tx);
// Takes the revision row (serialising flag writes) and returns the next revision.
Result<int64_t> bump_revision(store::Tx& tx);

// One element of the client API's features array.
bj::object served_feature(const FlagRow& flag, const EnvFeature& env);
// The client API document of `env`: live (not archived) flags by name, and
// every segment.
bj::object client_document(const StoreState& state, const std::string& env, int64_t revision);
// A flag across environments, for the admin API and events' before/after.
bj::value flag_view(const StoreState& state, const std::string& name, const std::vector<std::string>& environments);

// Where validation errors point: a flag or segment the caller sent maps to
// the pointer of its place in the request body ("" = the body itself);
// errors elsewhere (a flag that depended on what changed) are reported on
// `fallback` with the flag or segment named in the message.
struct ErrorPlaces {
  std::function<std::optional<std::string>(const std::string& flag)> flag;
  std::function<std::optional<std::string>(int64_t segment)> segment;
  std::string fallback = "/";
};

// Compiles every environment's document from `state`; InvalidArgument with
// the errors placed as `places` says.
Status validate(const StoreState& state, const std::vector<std::string>& environments, const ErrorPlaces& places,
                const Clock& clock);

// Upserts the flag's rows (flags + every environment's feature) from `state`.
Status save_flag(store::Tx& tx, const StoreState& state, const std::string& name);
// Upserts a segment ({id, name, description, constraints}).
Status save_segment(store::Tx& tx, const bj::object& segment, int64_t now_ms);
Status delete_flag_rows(store::Tx& tx, const std::string& name);

// Segment ids referenced by a feature's strategies.
std::set<int64_t> segments_used(const bj::object& feature);

}  // namespace sb::flags::detail
