#include "config/config.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cctype>
#include <set>
#include <toml++/toml.h>

#include "core/ids.h"
#include "core/json.h"
#include "events/event_log.h"
#include "store/db.h"

namespace sb::config {

namespace bj = boost::json;

const char* layer_name(Layer l) {
  switch (l) {
    case Layer::kDefault: return "default";
    case Layer::kFile: return "file";
    case Layer::kEnv: return "env";
    case Layer::kRuntime: return "runtime";
  }
  return "?";
}

struct ConfigService::Impl {
  store::Db* db;
  events::EventLog* log;
  const Clock& clock;
  mutable std::mutex mu;
  std::map<std::string, KeySpec> specs;     // exact keys and families ("a.b.*"); guarded by mu
  std::map<std::string, bj::value> file, env, runtime;  // guarded by mu
  std::map<uint64_t, std::pair<std::string, WatchFn>> watchers;  // guarded by mu
  uint64_t next_watch = 1;

  Impl(store::Db* d, events::EventLog* l, const Clock& c) : db(d), log(l), clock(c) {}

  const KeySpec* find_spec(const std::string& key) const {
    if (auto it = specs.find(key); it != specs.end()) return &it->second;
    // Longest family whose prefix matches: "email.sendgrid.*" covers "email.sendgrid.api_key".
    const KeySpec* best = nullptr;
    size_t best_len = 0;
    for (auto& [k, spec] : specs) {
      if (k.size() < 2 || k.compare(k.size() - 2, 2, ".*") != 0) continue;
      size_t n = k.size() - 1;
      if (key.size() > n && key.compare(0, n, k, 0, n) == 0 && n > best_len) {
        best = &spec;
        best_len = n;
      }
    }
    return best;
  }

  void notify(const std::string& key) {
    std::vector<WatchFn> fns;
    {
      std::lock_guard lock(mu);
      for (auto& [_, w] : watchers)
        if (key.compare(0, w.first.size(), w.first) == 0) fns.push_back(w.second);
    }
    for (auto& fn : fns) fn(key);
  }
};

ConfigService::ConfigService(store::Db* db, events::EventLog* log, const Clock& clock)
    : impl_(std::make_unique<Impl>(db, log, clock)) {}
ConfigService::~ConfigService() = default;

void ConfigService::attach(store::Db* db, events::EventLog* log) {
  impl_->db = db;
  impl_->log = log;
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

Status ConfigService::validate(const std::string& key, const bj::value& v) const {
  KeySpec spec;
  {
    std::lock_guard lock(impl_->mu);
    const KeySpec* s = impl_->find_spec(key);
    if (!s) return Status::invalid(key, "unknown configuration key");
    spec = *s;
  }
  bool ok = false;
  const char* want = "";
  switch (spec.type) {
    case Type::kString: ok = v.is_string(); want = "a string"; break;
    case Type::kInt: ok = v.is_int64() || (v.is_uint64() && v.get_uint64() <= INT64_MAX); want = "an integer"; break;
    case Type::kDouble: ok = v.is_number(); want = "a number"; break;
    case Type::kBool: ok = v.is_bool(); want = "a boolean"; break;
    case Type::kStringList:
      want = "a list of strings";
      ok = v.is_array();
      if (ok)
        for (auto& e : v.get_array()) ok = ok && e.is_string();
      break;
  }
  if (!ok) return Status::invalid(key, std::string("must be ") + want);
  if (spec.validate)
    if (auto msg = spec.validate(v)) return Status::invalid(key, *msg);
  return {};
}

Result<bj::value> ConfigService::parse_text(const std::string& key, const std::string& text) const {
  Type type;
  {
    std::lock_guard lock(impl_->mu);
    const KeySpec* s = impl_->find_spec(key);
    if (!s) return Status::invalid(key, "unknown configuration key");
    type = s->type;
  }
  switch (type) {
    case Type::kString: return bj::value(text);
    case Type::kInt:
    case Type::kDouble: {
      auto v = json::parse(text);
      if (!v.ok() || !v->is_number()) return Status::invalid(key, "must be a number");
      return v;
    }
    case Type::kBool:
      if (text == "true" || text == "1") return bj::value(true);
      if (text == "false" || text == "0") return bj::value(false);
      return Status::invalid(key, "must be true or false");
    case Type::kStringList: {
      if (!text.empty() && text.front() == '[') {
        auto v = json::parse(text);
        if (!v.ok()) return Status::invalid(key, "must be a JSON list or comma-separated");
        return v;
      }
      bj::array arr;
      size_t start = 0;
      while (start <= text.size()) {
        size_t comma = text.find(',', start);
        std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front()))) item.erase(0, 1);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back()))) item.pop_back();
        if (!item.empty()) arr.emplace_back(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      return bj::value(std::move(arr));
    }
  }
  return Status::internal("unreachable");
}

namespace {
std::optional<bj::value> toml_to_json(const toml::node& n) {
  if (auto s = n.as_string()) return bj::value(s->get());
  if (auto i = n.as_integer()) return bj::value(i->get());
  if (auto d = n.as_floating_point()) return bj::value(d->get());
  if (auto b = n.as_boolean()) return bj::value(b->get());
  if (auto a = n.as_array()) {
    bj::array out;
    for (auto& e : *a) {
      auto v = toml_to_json(e);
      if (!v) return std::nullopt;
      out.push_back(std::move(*v));
    }
    return bj::value(std::move(out));
  }
  return std::nullopt;
}

void flatten(const toml::table& t, const std::string& prefix,
             std::vector<std::pair<std::string, const toml::node*>>& out) {
  for (auto& [k, v] : t) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (auto sub = v.as_table()) flatten(*sub, key, out);
    else out.emplace_back(key, &v);
  }
}
}  // namespace

Status ConfigService::load_file(const std::string& path) {
  toml::table tbl;
  try {
    tbl = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::invalid("config", path + ":" + std::to_string(e.source().begin.line) + ": " +
                                         std::string(e.description()));
  }
  std::vector<std::pair<std::string, const toml::node*>> items;
  flatten(tbl, "", items);
  std::map<std::string, bj::value> values;
  std::vector<FieldError> errs;
  for (auto& [key, node] : items) {
    auto v = toml_to_json(*node);
    if (!v) {
      errs.push_back({key, "unsupported TOML value type"});
      continue;
    }
    if (Status s = validate(key, *v); !s) {
      errs.push_back({key, s.fields().empty() ? s.message() : s.fields()[0].message});
      continue;
    }
    values[key] = std::move(*v);
  }
  if (!errs.empty()) {
    Status s = Status::invalid(std::move(errs));
    return Status(Code::kInvalidArgument, path + ": " + s.message(), s.fields());
  }
  std::lock_guard lock(impl_->mu);
  impl_->file = std::move(values);
  return {};
}

Status ConfigService::load_env(char** envp) {
  std::map<std::string, bj::value> values;
  static const std::string kPrefix = "SWITCHBOARD_";
  for (char** e = envp; e && *e; ++e) {
    std::string kv = *e;
    if (kv.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string name = kv.substr(kPrefix.size(), eq - kPrefix.size());
    if (name.find("__") == std::string::npos) continue;  // e.g. SWITCHBOARD_ADMIN_KEY: not a config key
    std::string key;
    for (size_t i = 0; i < name.size(); ++i) {
      if (name.compare(i, 2, "__") == 0) {
        key += '.';
        ++i;
      } else {
        key += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
      }
    }
    auto v = parse_text(key, kv.substr(eq + 1));
    if (!v.ok()) return Status(Code::kInvalidArgument, "environment " + kv.substr(0, eq) + ": " + v.status().message(), v.status().fields());
    SB_TRY(validate(key, *v));
    values[key] = std::move(*v);
  }
  std::lock_guard lock(impl_->mu);
  impl_->env = std::move(values);
  return {};
}

Status ConfigService::load_runtime() {
  if (!impl_->db) return {};
  std::map<std::string, bj::value> values;
  SB_TRY(impl_->db->read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT key, value FROM config_values"));
    for (auto& r : rows) {
      auto v = json::parse(r.text_at(1));
      if (!v.ok()) continue;
      std::string key = r.text_at(0);
      if (!validate(key, *v)) {
        // A key removed from the code (or now invalid) must not stop start-up.
        spdlog::warn("config: ignoring stored runtime value for {}", key);
        continue;
      }
      values[key] = std::move(*v);
    }
    return {};
  }));
  std::lock_guard lock(impl_->mu);
  impl_->runtime = std::move(values);
  return {};
}

Result<Entry> ConfigService::entry(const std::string& key, bool redact) const {
  std::lock_guard lock(impl_->mu);
  const KeySpec* spec = impl_->find_spec(key);
  if (!spec) return Status::not_found("unknown configuration key: " + key);
  Entry e{key, nullptr, Layer::kDefault, spec->secret};
  if (auto it = impl_->runtime.find(key); it != impl_->runtime.end()) e = {key, it->second, Layer::kRuntime, spec->secret};
  else if (auto it = impl_->env.find(key); it != impl_->env.end()) e = {key, it->second, Layer::kEnv, spec->secret};
  else if (auto it = impl_->file.find(key); it != impl_->file.end()) e = {key, it->second, Layer::kFile, spec->secret};
  else if (spec->key == key) e.value = spec->default_value;
  if (redact && e.secret && !e.value.is_null()) e.value = "********";
  return e;
}

bj::value ConfigService::get(const std::string& key) const {
  auto e = entry(key, false);
  return e.ok() ? e->value : bj::value(nullptr);
}

std::string ConfigService::get_string(const std::string& key) const {
  auto v = get(key);
  return v.is_string() ? std::string(v.get_string()) : std::string();
}

int64_t ConfigService::get_int(const std::string& key) const {
  auto v = get(key);
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<int64_t>(v.get_uint64());
  if (v.is_double()) return static_cast<int64_t>(v.get_double());
  return 0;
}

double ConfigService::get_double(const std::string& key) const {
  auto v = get(key);
  return v.is_number() ? v.to_number<double>() : 0.0;
}

bool ConfigService::get_bool(const std::string& key) const {
  auto v = get(key);
  return v.is_bool() && v.get_bool();
}

std::vector<std::string> ConfigService::get_list(const std::string& key) const {
  std::vector<std::string> out;
  auto v = get(key);
  if (v.is_array())
    for (auto& e : v.get_array())
      if (e.is_string()) out.emplace_back(e.get_string());
  return out;
}

std::vector<Entry> ConfigService::list(const std::string& prefix, bool redact) const {
  std::set<std::string> keys;
  {
    std::lock_guard lock(impl_->mu);
    for (auto& [k, _] : impl_->specs)
      if (k.size() < 2 || k.compare(k.size() - 2, 2, ".*") != 0) keys.insert(k);
    for (auto* layer : {&impl_->file, &impl_->env, &impl_->runtime})
      for (auto& [k, _] : *layer) keys.insert(k);
  }
  std::vector<Entry> out;
  for (auto& k : keys) {
    if (k.compare(0, prefix.size(), prefix) != 0) continue;
    auto e = entry(k, redact);
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
}  // namespace

Status ConfigService::set(const std::string& key, const bj::value& value, const std::string& actor) {
  SB_TRY(validate(key, value));
  bool secret = is_secret(key);
  if (impl_->db) {
    bj::value shown = secret ? bj::value("********") : value;
    std::string text = bj::serialize(value);
    SB_TRY(impl_->db->write([&](store::Tx& tx) -> Status {
      SB_TRY(tx.exec(
          "INSERT INTO config_values (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
          "updated_by = excluded.updated_by",
          {key, text, impl_->clock.now_ms(), actor}));
      if (impl_->log) SB_TRY(impl_->log->append(tx, config_event(key, "set", actor, &shown, impl_->clock)));
      return {};
    }));
  }
  {
    std::lock_guard lock(impl_->mu);
    impl_->runtime[key] = value;
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
    if (impl_->runtime.erase(key) == 0) return Status::not_found("no runtime value set for " + key);
  }
  {
    std::lock_guard lock(impl_->mu);
    impl_->runtime.erase(key);
  }
  spdlog::info("config: {} unset by {}", key, actor);
  impl_->notify(key);
  return {};
}

void ConfigService::apply_event(const events::Event& event) {
  if (event.type != kConfigUpdated.type || !impl_->db) return;
  const std::string& key = event.subject;
  // Payloads redact secrets, so the value itself is re-read from the Db.
  std::optional<bj::value> value;
  Status s = impl_->db->read([&](store::Tx& tx) -> Status {
    SB_ASSIGN(auto rows, tx.query("SELECT value FROM config_values WHERE key = $1", {key}));
    if (!rows.empty()) {
      auto v = json::parse(rows[0].text_at(0));
      if (v.ok()) value = std::move(*v);
    }
    return {};
  });
  if (!s) {
    spdlog::warn("config: could not apply change to {}: {}", key, s.to_string());
    return;
  }
  {
    std::lock_guard lock(impl_->mu);
    auto it = impl_->runtime.find(key);
    bool same = value ? (it != impl_->runtime.end() && it->second == *value) : it == impl_->runtime.end();
    if (same) return;  // already applied (our own change, or a repeat)
    if (value) impl_->runtime[key] = *value;
    else impl_->runtime.erase(key);
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
