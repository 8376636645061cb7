// config::ConfigService — typed configuration with four layers, lowest first:
// built-in defaults < TOML file (--config) < environment (SWITCHBOARD_SECTION__KEY)
// < runtime values stored in the Db (set through the API or CLI).
//
// Every key is declared next to the code that reads it (type, default,
// description, secret). Unknown keys and ill-typed values are rejected naming
// the key. A runtime set/unset is validated, stored and appended to the event
// log as `config.updated` in the same transaction; every instance applies it
// by tailing the log (apply_event), and watchers run after it is applied.
// Secrets are redacted in every listing and in the event payload.
//
// Thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "events/event_type.h"

namespace sb::store { class Db; }
namespace sb::events { class EventLog; struct Event; }

namespace sb::config {

// Appended by set/unset (subject: the key; data: key, action, actor, value
// redacted when secret).
inline constexpr events::EventType kConfigUpdated{"/switchboard/config", "config.updated",
                                                  "A runtime configuration key was set or unset"};

enum class Type { kString, kInt, kBool, kStringList, kDouble };

struct KeySpec {
  std::string key;  // dotted, e.g. "email.providers"; a trailing ".*" declares a family
  Type type = Type::kString;
  boost::json::value default_value;  // null = no default
  std::string description;
  bool secret = false;
  // Extra validation beyond the type; return a message to reject.
  std::function<std::optional<std::string>(const boost::json::value&)> validate;
  bool restart_required = false;  // documented: takes effect on next start
};

enum class Layer { kDefault, kFile, kEnv, kRuntime };
const char* layer_name(Layer l);

struct Entry {
  std::string key;
  boost::json::value value;  // redacted ("********") when secret and redaction asked
  Layer layer;
  bool secret;
};

class ConfigService {
 public:
  // `db` and `log` may be null for a service that only reads defaults/file/env
  // (CLI commands that run before the store is open).
  ConfigService(store::Db* db, events::EventLog* log, const Clock& clock = Clock::system());
  ~ConfigService();

  // Connects the runtime layer once the store is open (the file and env
  // layers are needed first, to find the database).
  void attach(store::Db* db, events::EventLog* log);

  void declare(KeySpec spec);
  std::vector<KeySpec> declared() const;

  // Loads the file and environment layers. Errors name the file and key.
  Status load_file(const std::string& path);
  Status load_env(char** envp);
  // Loads the runtime layer from the Db (at start-up).
  Status load_runtime();

  // Effective value (highest layer that has it, else the default, else null).
  boost::json::value get(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  int64_t get_int(const std::string& key) const;
  double get_double(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::vector<std::string> get_list(const std::string& key) const;

  Result<Entry> entry(const std::string& key, bool redact = true) const;
  std::vector<Entry> list(const std::string& prefix, bool redact = true) const;

  // Runtime layer. `actor` is recorded (e.g. "admin-key:<id>").
  Status set(const std::string& key, const boost::json::value& value, const std::string& actor);
  Status unset(const std::string& key, const std::string& actor);
  // Checks key and value without storing (used by set and by the file/env loaders).
  Status validate(const std::string& key, const boost::json::value& value) const;
  // Parses a CLI/env text into the key's type ("a,b" or JSON for lists).
  Result<boost::json::value> parse_text(const std::string& key, const std::string& text) const;

  // Applies a `config.updated` event (from this or another instance).
  void apply_event(const events::Event& event);

  using WatchFn = std::function<void(const std::string& key)>;
  // Calls fn(key) after any key starting with `prefix` changes. Returns a handle for unwatch.
  uint64_t watch(const std::string& prefix, WatchFn fn);
  void unwatch(uint64_t id);

  bool is_secret(const std::string& key) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::config
