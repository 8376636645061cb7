// ConfigService's state, shared by config.cpp (layers, runtime changes) and
// config_load.cpp (file and environment loaders, text parsing). Internal to
// config/.
#pragma once

#include <boost/json.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "config/config.h"
#include "config/json_schema.h"
#include "core/secret_box.h"

namespace sb::config {

namespace bj = boost::json;

inline constexpr const char* kRedacted = "********";

struct ConfigService::Impl {
  store::Db* db;
  events::EventLog* log;
  const Clock& clock;
  std::optional<crypto::SecretBox> box;  // set once at start, before load_runtime

  mutable std::mutex mu;
  std::map<std::string, KeySpec> specs;                 // exact keys and families ("a.b.*"); guarded by mu
  std::map<std::string, bj::value> file, env, runtime;  // guarded by mu
  std::map<std::string, bj::value> schemas;             // runtime-layer schemas (source JSON); guarded by mu
  std::map<uint64_t, std::pair<std::string, WatchFn>> watchers;  // guarded by mu
  uint64_t next_watch = 1;                                       // guarded by mu
  mutable std::set<std::string> undeclared_reads;                // guarded by mu

  Impl(store::Db* d, events::EventLog* l, const Clock& c) : db(d), log(l), clock(c) {}

  // Exact key, else the longest family whose prefix matches: "email.sendgrid.*"
  // covers "email.sendgrid.api_key". Caller holds mu.
  const KeySpec* find_spec(const std::string& key) const;
  // Runs the watchers whose prefix matches, outside the lock.
  void notify(const std::string& key);
};

inline bool is_family(const std::string& spec_key) {
  return spec_key.size() >= 2 && spec_key.compare(spec_key.size() - 2, 2, ".*") == 0;
}

// Closest declared key to a misspelt one (edit distance <= 3), or "".
std::string suggest_key(const std::map<std::string, KeySpec>& specs, const std::string& key);

}  // namespace sb::config
