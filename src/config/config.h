// config::ConfigService — typed configuration with four layers, lowest first:
// built-in defaults < TOML file (--config) < environment (SWITCHBOARD_SECTION__KEY)
// < runtime values stored in the Db (set through the API or CLI).
//
// Every key is declared by the module that reads it, as a typed constant
// (config/key.h), and read through that constant: `config.get(kServerThreads)`
// returns an int64_t. An unknown key in the file or the environment fails
// loading, naming the file (or variable) and the key. The string API below
// (entry, list, set, unset, parse_text) is for the HTTP and CLI endpoints,
// where the key is data.
//
// A runtime set/unset is validated, stored and appended to the event log as
// `config.updated` in the same transaction; every instance applies it by
// tailing the log (apply_event), and watchers run after it is applied.
// Secrets are redacted in every listing and in the event payload, and sealed
// at rest (core/secret_box.h) under a key derived from the master key.
//
// Applications own `app.*` (kAppKeys): any JSON value, optionally guarded by
// a JSON Schema stored with the key (config/json_schema.h); later sets are
// validated against it.
//
// Thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/key.h"
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

enum class Layer { kDefault, kFile, kEnv, kRuntime };
const char* layer_name(Layer l);

struct Entry {
  std::string key;
  boost::json::value value;  // redacted ("********") when secret and redaction asked
  Layer layer;
  bool secret;
  Apply apply = Apply::kRestart;
  boost::json::value schema;  // the JSON Schema stored with the key; null if none
};

// Applications' namespace: always declared.
inline const Family<boost::json::value> kAppKeys{
    "app.{}", nullptr,
    "Applications' own settings: any JSON value, optionally validated by a JSON Schema stored with the key "
    "(PUT /v1/config/app.<name> with {\"value\": …, \"schema\": …}); watch with GET /v1/config/watch?prefix=app.",
    hot};

class ConfigService {
 public:
  // `db` and `log` may be null for a service that only reads defaults/file/env
  // (CLI commands that run before the store is open).
  ConfigService(store::Db* db, events::EventLog* log, const Clock& clock = Clock::system());
  ~ConfigService();

  // Connects the runtime layer once the store is open (the file and env
  // layers are needed first, to find the database).
  void attach(store::Db* db, events::EventLog* log);
  // The 32-byte master key: secret runtime values are sealed under a key
  // derived from it. Call before load_runtime(); without it, storing a secret
  // in the Db fails rather than writing it in clear.
  Status set_master_key(std::string_view master_key);

  void declare(KeySpec spec);
  template <typename... T>
  void declare(const Key<T>&... keys) {
    (declare(keys.spec()), ...);
  }
  // Declares the open pattern ("app.*"): any member name is accepted.
  template <typename T>
  void declare(const Family<T>& family) {
    declare(family.open_spec());
  }
  std::vector<KeySpec> declared() const;

  // Loads the file and environment layers. Errors name the file (or the
  // variable) and each key, with a suggestion for a misspelt one.
  Status load_file(const std::string& path);
  Status load_env(char** envp);
  // Loads the runtime layer from the Db (at start-up), opening sealed secrets.
  Status load_runtime();

  // The effective value of a declared key: the highest layer that has it,
  // else its declared default.
  template <typename T>
  T get(const Key<T>& key) const {
    return detail::decode(effective(key.name()), key.default_value());
  }
  template <typename T>
  T get(const Family<T>& family, std::string_view member) const {
    return detail::decode(effective(family.name(member)), family.default_value());
  }

  // NotFound for an unknown key, and for a member of an open family (app.*)
  // that no layer holds.
  Result<Entry> entry(const std::string& key, bool redact = true) const;
  // The key as this instance has it without the runtime layer (file, env,
  // default): what an unset falls back to. Fixed while the process runs.
  Result<Entry> static_entry(const std::string& key, bool redact = true) const;
  std::vector<Entry> list(const std::string& prefix, bool redact = true) const;

  // Runtime layer. `actor` is recorded (e.g. "admin-key:<id>").
  // `schema` (JSON-valued keys only): nullopt keeps the stored schema, null
  // removes it, an object replaces it. The value must satisfy the schema in
  // force after the call; violations name the JSON pointer ("/value/max"),
  // schema errors name "/schema/…".
  Status set(const std::string& key, const boost::json::value& value, const std::string& actor,
             const std::optional<boost::json::value>& schema = std::nullopt);
  Status unset(const std::string& key, const std::string& actor);
  // Checks key and value without storing (used by set and by the file/env loaders).
  Status validate(const std::string& key, const boost::json::value& value) const;
  // Parses a CLI/env text into the key's type ("a,b" or JSON for lists;
  // JSON keys: JSON, or the text as a string when it is not JSON).
  Result<boost::json::value> parse_text(const std::string& key, const std::string& text) const;

  // Applies a `config.updated` event (from this or another instance).
  void apply_event(const events::Event& event);

  using WatchFn = std::function<void(const std::string& key)>;
  // Calls fn(key) after any key starting with `prefix` changes. Returns a handle for unwatch.
  uint64_t watch(const std::string& prefix, WatchFn fn);
  void unwatch(uint64_t id);

  bool is_secret(const std::string& key) const;

 private:
  // The highest layer's value, else the declared default, else null (then
  // get() uses the reader's default: the key was never declared).
  boost::json::value effective(const std::string& key) const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::config
