// The file and environment layers, and the checks every value passes on its
// way in (validate, parse_text).
#include <boost/json.hpp>
#include <cctype>
#include <toml++/toml.h>

#include "config/config.h"
#include "config/config_impl.h"
#include "core/json.h"

namespace sb::config {

namespace {

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

// Members of open families: "app.checkout.limits" → segments of [a-z0-9_-].
bool valid_member(std::string_view m) {
  if (m.empty() || m.front() == '.' || m.back() == '.' || m.find("..") != std::string_view::npos) return false;
  for (char c : m)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) return false;
  return m.size() <= 200;
}

}  // namespace

std::string suggest_key(const std::map<std::string, KeySpec>& specs, const std::string& key) {
  std::string best;
  size_t best_d = 4;  // beyond three edits a suggestion is more noise than help
  for (const auto& [k, _] : specs) {
    if (is_family(k)) continue;
    size_t d = edit_distance(k, key);
    if (d < best_d && d * 2 < key.size()) best = k, best_d = d;
  }
  return best;
}

Status ConfigService::validate(const std::string& key, const bj::value& v) const {
  KeySpec spec;
  {
    std::lock_guard lock(impl_->mu);
    const KeySpec* s = impl_->find_spec(key);
    if (!s) {
      std::string near = suggest_key(impl_->specs, key);
      return Status::invalid(key, "unknown configuration key" + (near.empty() ? "" : "; did you mean " + near + "?"));
    }
    spec = *s;
  }
  if (is_family(spec.key) && !valid_member(std::string_view(key).substr(spec.key.size() - 1)))
    return Status::invalid(key, "names under " + spec.key + " are dot-separated lower-case letters, digits, '_' and '-'");
  bool ok = false;
  const char* want = "";
  switch (spec.type) {
    case Type::kString: ok = v.is_string(); want = "a string"; break;
    case Type::kInt: ok = v.is_int64() || (v.is_uint64() && v.get_uint64() <= INT64_MAX); want = "an integer"; break;
    case Type::kDouble: ok = v.is_number(); want = "a number"; break;
    case Type::kBool: ok = v.is_bool(); want = "a boolean"; break;
    case Type::kJson: ok = true; break;
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
    if (!s) {
      std::string near = suggest_key(impl_->specs, key);
      return Status::invalid(key, "unknown configuration key" + (near.empty() ? "" : "; did you mean " + near + "?"));
    }
    type = s->type;
  }
  switch (type) {
    case Type::kString: return bj::value(text);
    case Type::kJson: {
      // `app.x 5` is the number 5; `app.x hello` (not JSON) the string "hello".
      auto v = json::parse(text);
      return v.ok() ? std::move(*v) : bj::value(text);
    }
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
  if (auto t = n.as_table()) {
    bj::object out;
    for (auto& [k, e] : *t) {
      auto v = toml_to_json(e);
      if (!v) return std::nullopt;
      out[k.str()] = std::move(*v);
    }
    return bj::value(std::move(out));
  }
  return std::nullopt;  // dates and times
}

struct Item {
  std::string key;
  const toml::node* node;
};

// Tables are key paths ([server] listen = … is server.listen), except an
// inline table given to a JSON-valued key (app.checkout.limits = { max = 5 }),
// which is that key's value.
template <typename IsJsonKey>
void flatten(const toml::table& t, const std::string& prefix, const IsJsonKey& is_json, std::vector<Item>& out) {
  for (auto& [k, v] : t) {
    std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    auto sub = v.as_table();
    if (sub && !(sub->is_inline() && is_json(key))) flatten(*sub, key, is_json, out);
    else out.push_back({key, &v});
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
  auto is_json = [this](const std::string& key) {
    std::lock_guard lock(impl_->mu);
    const KeySpec* s = impl_->find_spec(key);
    return s && s->type == Type::kJson;
  };
  std::vector<Item> items;
  flatten(tbl, "", is_json, items);
  std::map<std::string, bj::value> values;
  std::vector<FieldError> errs;
  for (auto& [key, node] : items) {
    std::string line = " (" + path + " line " + std::to_string(node->source().begin.line) + ")";
    auto v = toml_to_json(*node);
    if (!v) {
      errs.push_back({key, "unsupported TOML value type" + line});
      continue;
    }
    if (Status s = validate(key, *v); !s) {
      errs.push_back({key, (s.fields().empty() ? s.message() : s.fields()[0].message) + line});
      continue;
    }
    values[key] = std::move(*v);
  }
  if (!errs.empty()) {
    std::string msg = path + ": " + errs[0].field + ": " + errs[0].message;
    if (errs.size() > 1) msg += " (and " + std::to_string(errs.size() - 1) + " more)";
    return Status(Code::kInvalidArgument, std::move(msg), std::move(errs));
  }
  std::lock_guard lock(impl_->mu);
  impl_->file = std::move(values);
  return {};
}

Status ConfigService::load_env(char** envp) {
  std::map<std::string, bj::value> values;
  std::vector<FieldError> errs;
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
    std::string from = " (from environment " + kv.substr(0, eq) + ")";
    auto v = parse_text(key, kv.substr(eq + 1));
    Status s = v.ok() ? validate(key, *v) : v.status();
    if (!s) {
      errs.push_back({key, (s.fields().empty() ? s.message() : s.fields()[0].message) + from});
      continue;
    }
    values[key] = std::move(*v);
  }
  if (!errs.empty()) {
    std::string msg = "environment: " + errs[0].field + ": " + errs[0].message;
    if (errs.size() > 1) msg += " (and " + std::to_string(errs.size() - 1) + " more)";
    return Status(Code::kInvalidArgument, std::move(msg), std::move(errs));
  }
  std::lock_guard lock(impl_->mu);
  impl_->env = std::move(values);
  return {};
}

}  // namespace sb::config
