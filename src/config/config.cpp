#include "config/config.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "config/config_impl.h"
#include "core/crypto.h"
#include "core/ids.h"
#include "core/json.h"
#include "events/event_log.h"
#include "store/db.h"

namespace sb::config {

const char* layer_name(Layer l) {
  switch (l) {
    case Layer::kDefault: return "default";
    case Layer::kFile: return "file";
    case Layer::kEnv: return "env";
    case Layer::kRuntime: return "runtime";
  }
  return "?";
}

const KeySpec* ConfigService::Impl::find_spec(const std::string& key) const {
  if (auto it = specs.find(key); it != specs.end()) return &it->second;
  const KeySpec* best = nullptr;
  size_t best_len = 0;
  for (auto& [k, spec] : specs) {
    if (!is_family(k)) continue;
    size_t n = k.size() - 1;
    if (key.size() > n && key.compare(0, n, k, 0, n) == 0 && n > best_len) {
      best = &spec;
      best_len = n;
    }
  }
  return best;
}

void ConfigService::Impl::notify(const std::string& key) {
  std::vector<WatchFn> fns;
  {
    std::lock_guard lock(mu);
    for (auto& [_, w] : watchers)
      if (key.compare(0, w.first.size(), w.first) == 0) fns.push_back(w.second);
  }
  for (auto& fn : fns) fn(key);
}

ConfigService::ConfigService(store::Db* db, events::EventLog* log, const Clock& clock)
    : impl_(std::make_unique<Impl>(db, log, clock)) {
  declare(kAppKeys);
}
ConfigService::~ConfigService() = default;

void ConfigService::attach(store::Db* db, events::EventLog* log) {
  impl_->db = db;
  impl_->log = log;
}

Status ConfigService::set_master_key(std::string_view master_key) {
  // A subkey of its own: a config ciphertext never shares a key with identity's.
  SB_ASSIGN(auto box, crypto::SecretBox::create(crypto::hmac_sha256(master_key, "switchboard/config/seal/v1")));
  impl_->box.emplace(std::move(box));
  return {};
}

void ConfigService::declare(KeySpec spec) {
  std::lock_guard lock(impl_->mu);
  std::string key = spec.key;
  impl_->specs[key] = std::move(spec);
}

std::vector<KeySpec> ConfigService::declared() const {
  std::lock_guard lock(impl_->mu);
  std::vector<KeySpec> out;
  for (auto& [_, s] : impl_->specs) out.push_back(s);
  return out;
}

bool ConfigService::is_secret(const std::string& key) const {
  std::lock_guard lock(impl_->mu);
  const KeySpec* s = impl_->find_spec(key);
  return s && s->secret;
}

bj::value ConfigService::effective(const std::string& key) const {
  std::lock_guard lock(impl_->mu);
  for (auto* layer : {&impl_->runtime, &impl_->env, &impl_->file})
    if (auto it = layer->find(key); it != layer->end()) return it->second;
  const KeySpec* spec = impl_->find_spec(key);
  if (!spec && impl_->undeclared_reads.insert(key).second)
    spdlog::error("config: {} is read but was never declared: add it to its module's declare call", key);
  // The declared default wins over the reader's: a family member may have
  // its own (ratelimit.auth.login.ip) while get(family, member) knows only
  // the family's.
  if (spec && spec->key == key) return spec->default_value;
  return nullptr;
}

namespace {

Entry make_entry(const std::string& key, const KeySpec& spec, bool runtime_layer, const std::map<std::string, bj::value>& runtime,
                 const std::map<std::string, bj::value>& env, const std::map<std::string, bj::value>& file,
                 const std::map<std::string, bj::value>& schemas, bool& found) {
  Entry e{key, nullptr, Layer::kDefault, spec.secret, spec.apply, nullptr};
  found = true;
  if (auto it = runtime.find(key); runtime_layer && it != runtime.end()) e.value = it->second, e.layer = Layer::kRuntime;
  else if (auto it = env.find(key); it != env.end()) e.value = it->second, e.layer = Layer::kEnv;
  else if (auto it = file.find(key); it != file.end()) e.value = it->second, e.layer = Layer::kFile;
  else if (spec.key == key) e.value = spec.default_value;
  else found = false;  // a member of an open family that nothing sets
  if (auto it = schemas.find(key); runtime_layer && it != schemas.end()) e.schema = it->second;
  return e;
}

void redact(Entry& e) {
  bool empty = e.value.is_null() || (e.value.is_string() && e.value.get_string().empty());
  if (e.secret && !empty) e.value = kRedacted;
}

}  // namespace

Result<Entry> ConfigService::entry(const std::string& key, bool redact_secret) const {
  std::lock_guard lock(impl_->mu);
  const KeySpec* spec = impl_->find_spec(key);
  if (!spec) return Status::not_found("unknown configuration key: " + key);
  bool found = false;
  Entry e = make_entry(key, *spec, true, impl_->runtime, impl_->env, impl_->file, impl_->schemas, found);
  if (!found) return Status::not_found("no value is set for " + key);
  if (redact_secret) redact(e);
  return e;
}

Result<Entry> ConfigService::static_entry(const std::string& key, bool redact_secret) const {
  std::lock_guard lock(impl_->mu);
  const KeySpec* spec = impl_->find_spec(key);
  if (!spec) return Status::not_found("unknown configuration key: " + key);
  bool found = false;
  Entry e = make_entry(key, *spec, false, impl_->runtime, impl_->env, impl_->file, impl_->schemas, found);
  if (redact_secret) redact(e);
  return e;
}

std::vector<Entry> ConfigService::list(const std::string& prefix, bool redact_secret) const {
  std::set<std::string> keys;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& [k, _] : impl_->specs)
      if (!is_family(k)) keys.insert(k);
    for (auto* layer : {&impl_->file, &impl_->env, &impl_->runtime})
      for (auto& [k, _] : *layer) keys.insert(k);
  }
  std::vector<Entry> out;
  for (auto& k : keys) {
    if (k.compare(0, prefix.size(), prefix) != 0) continue;
    auto e = entry(k, redact_secret);
    if (e.ok()) out.push_back(std::move(*e));
  }
  return out;
}

namespace {

events::Event config_event(const std::string& key, const std::string& action, const std::string& actor,
                           const bj::value* shown, const Clock& clock) {
  bj::object data{{"key", key}, {"action", action}, {"actor", actor}};
  if (shown) data["value"] = *shown;
  return kConfigUpdated.make(clock, key, data);
}

std::string seal_context(const std::string& key) { return "config:" + key; }

// One config_values row, opened: the value (and its schema) as stored.
struct StoredRow {
  bj::value value;
  bj::value schema;  // null when none
};

Result<StoredRow> open_row(const store::Row& r, size_t first, const std::string& key,
                           const std::optional<crypto::SecretBox>& box) {
  std::string text = r.text_at(first);
  if (r.int_at(first + 2) != 0) {
    if (!box) return Status::internal("config: " + key + " is sealed but no master key was given");
    auto opened = box->open(text, seal_context(key));
    if (!opened.ok())
      return Status::internal("config: the stored value of " + key + " does not open (" + opened.status().message() +
                              "); every instance sharing the database must share identity.master_key");
    text = std::move(*opened);
  }
  StoredRow row;
  SB_ASSIGN(row.value, json::parse(text));
  if (!r.is_null(first + 1)) {
    auto schema = json::parse(r.text_at(first + 1));
    if (schema.ok()) row.schema = std::move(*schema);
  }
  return row;
}

}  // namespace

Status ConfigService::load_runtime() {
  if (!impl_->db) return {};
  std::map<std::string, bj::value> values, schemas;
  std::vector<std::string> in_clear;  // secrets written unsealed by an earlier version
  SB_TRY(impl_->db->read([&](store::Tx& tx) -> Status {
    values.clear(), schemas.clear(), in_clear.clear();
    SB_ASSIGN(auto rows, tx.query("SELECT key, value, schema, sealed FROM config_values"));
    for (auto& r : rows) {
      std::string key = r.text_at(0);
      auto row = open_row(r, 1, key, impl_->box);
      // A sealed value of a known key that does not open is a wrong master
      // key: refuse to start rather than run on defaults.
      bool known, boot_key;
      {
        std::lock_guard lock(impl_->mu);
        const KeySpec* spec = impl_->find_spec(key);
        known = spec != nullptr;
        boot_key = spec && spec->apply == Apply::kBoot;
      }
      if (!row.ok() && r.int_at(3) != 0 && known) return row.status();
      if (boot_key) {
        // Stored by a version that allowed it; it could never apply.
        spdlog::warn("config: ignoring stored runtime value for {}: it is read before the database opens; "
                     "set it in the config file or the environment", key);
        continue;
      }
      if (!row.ok() || !validate(key, row->value)) {
        // A key removed from the code (or now invalid) must not stop start-up.
        spdlog::warn("config: ignoring stored runtime value for {}", key);
        continue;
      }
      if (is_secret(key) && r.int_at(3) == 0) in_clear.push_back(key);
      values[key] = std::move(row->value);
      if (!row->schema.is_null()) schemas[key] = std::move(row->schema);
    }
    return {};
  }));
  if (impl_->box && !in_clear.empty()) {
    SB_TRY(impl_->db->write([&](store::Tx& tx) -> Status {
      for (const auto& key : in_clear)
        SB_TRY(tx.exec("UPDATE config_values SET value = $1, sealed = 1 WHERE key = $2 AND sealed = 0",
                       {impl_->box->seal(bj::serialize(values[key]), seal_context(key)), key}));
      return {};
    }));
    spdlog::info("config: sealed {} secret value(s) stored in clear by an earlier version", in_clear.size());
  }
  std::lock_guard lock(impl_->mu);
  impl_->runtime = std::move(values);
  impl_->schemas = std::move(schemas);
  return {};
}

Status ConfigService::set(const std::string& key, const bj::value& value, const std::string& actor,
                          const std::optional<bj::value>& schema) {
  SB_TRY(validate(key, value));
  KeySpec spec;
  {
    std::lock_guard lock(impl_->mu);
    spec = *impl_->find_spec(key);
  }
  if (spec.apply == Apply::kBoot)
    return Status::invalid(key, "is read before the database opens: set it in the config file or the environment");
  std::optional<JsonSchema> new_schema;
  if (schema && !schema->is_null()) {
    if (spec.type != Type::kJson) return Status::invalid("/schema", "only JSON-valued keys (app.*) take a schema");
    SB_ASSIGN(new_schema, JsonSchema::compile(*schema));
  }
  // The schema in force after this call; a stored one is read inside the
  // write so two instances cannot race a value past a schema change.
  auto check = [&](const bj::value& stored_schema) -> Status {
    const bj::value& in_force = schema ? *schema : stored_schema;
    if (in_force.is_null()) return {};
    SB_ASSIGN(auto compiled, JsonSchema::compile(in_force));
    if (auto errs = compiled.validate(value); !errs.empty()) return Status::invalid(std::move(errs));
    return {};
  };
  bj::value schema_after = schema ? *schema : bj::value(nullptr);
  if (impl_->db) {
    if (spec.secret && !impl_->box) return Status::internal("config: no master key to seal secret values with");
    bj::value shown = spec.secret ? bj::value(kRedacted) : value;
    std::string text = bj::serialize(value);
    if (spec.secret) text = impl_->box->seal(text, seal_context(key));
    SB_TRY(impl_->db->write([&](store::Tx& tx) -> Status {
      SB_ASSIGN(auto rows, tx.query("SELECT schema FROM config_values WHERE key = $1", {key}));
      bj::value stored = nullptr;
      if (!rows.empty() && !rows[0].is_null(0)) stored = json::parse(rows[0].text_at(0)).value();
      SB_TRY(check(stored));
      if (!schema) schema_after = stored;
      store::Value schema_text = nullptr;
      if (!schema_after.is_null()) schema_text = bj::serialize(schema_after);
      SB_TRY(tx.exec(
          "INSERT INTO config_values (key, value, updated_at, updated_by, schema, sealed) VALUES ($1, $2, $3, $4, $5, $6) "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
          "updated_by = excluded.updated_by, schema = excluded.schema, sealed = excluded.sealed",
          {key, text, impl_->clock.now_ms(), actor, schema_text, int64_t{spec.secret ? 1 : 0}}));
      if (impl_->log) SB_TRY(impl_->log->append(tx, config_event(key, "set", actor, &shown, impl_->clock)));
      return {};
    }));
  } else {
    bj::value stored = nullptr;
    {
      std::lock_guard lock(impl_->mu);
      if (auto it = impl_->schemas.find(key); it != impl_->schemas.end()) stored = it->second;
    }
    SB_TRY(check(stored));
    if (!schema) schema_after = stored;
  }
  {
    std::lock_guard lock(impl_->mu);
    impl_->runtime[key] = value;
    if (schema_after.is_null()) impl_->schemas.erase(key);
    else impl_->schemas[key] = schema_after;
  }
  spdlog::info("config: {} set by {}", key, actor);
  impl_->notify(key);
  return {};
}

Status ConfigService::unset(const std::string& key, const std::string& actor) {
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->find_spec(key)) return Status::invalid(key, "unknown configuration key");
  }
  if (impl_->db) {
    SB_TRY(impl_->db->write([&](store::Tx& tx) -> Status {
      SB_ASSIGN(int64_t n, tx.exec("DELETE FROM config_values WHERE key = $1", {key}));
      if (n == 0) return Status::not_found("no runtime value set for " + key);
      if (impl_->log) SB_TRY(impl_->log->append(tx, config_event(key, "unset", actor, nullptr, impl_->clock)));
      return {};
    }));
  } else {
    std::lock_guard lock(impl_->mu);
    if (impl_->runtime.count(key) == 0) return Status::not_found("no runtime value set for " + key);
  }
  {
    std::lock_guard lock(impl_->mu);
    impl_->runtime.erase(key);
    impl_->schemas.erase(key);
  }
  spdlog::info("config: {} unset by {}", key, actor);
  impl_->notify(key);
  return {};
}

void ConfigService::apply_event(const events::Event& event) {
  if (event.type != kConfigUpdated.type || !impl_->db) return;
  const std::string& key = event.subject;
  // Payloads redact secrets, so the value itself is re-read from the Db.
  std::optional<StoredRow> row;
  Status s = impl_->db->read([&](store::Tx& tx) -> Status {
    row.reset();
    SB_ASSIGN(auto rows, tx.query("SELECT value, schema, sealed FROM config_values WHERE key = $1", {key}));
    if (rows.empty()) return {};
    SB_ASSIGN(row, open_row(rows[0], 0, key, impl_->box));
    return {};
  });
  if (!s) {
    spdlog::warn("config: could not apply change to {}: {}", key, s.to_string());
    return;
  }
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->runtime.find(key);
    auto sit = impl_->schemas.find(key);
    bool same = row ? (it != impl_->runtime.end() && it->second == row->value &&
                       (sit == impl_->schemas.end() ? row->schema.is_null() : sit->second == row->schema))
                    : it == impl_->runtime.end();
    if (same) return;  // already applied (our own change, or a repeat)
    if (row) {
      impl_->runtime[key] = row->value;
      if (row->schema.is_null()) impl_->schemas.erase(key);
      else impl_->schemas[key] = row->schema;
    } else {
      impl_->runtime.erase(key);
      impl_->schemas.erase(key);
    }
  }
  impl_->notify(key);
}

uint64_t ConfigService::watch(const std::string& prefix, WatchFn fn) {
  std::lock_guard lock(impl_->mu);
  uint64_t id = impl_->next_watch++;
  impl_->watchers[id] = {prefix, std::move(fn)};
  return id;
}

void ConfigService::unwatch(uint64_t id) {
  std::lock_guard lock(impl_->mu);
  impl_->watchers.erase(id);
}

}  // namespace sb::config
