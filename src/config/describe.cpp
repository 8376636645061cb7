#include "config/describe.h"

#include <boost/json.hpp>
#include <cstdio>
#include <map>

namespace sb::config {

namespace {

// Defaults as JSON; long ones (message templates) cut, with the key to ask.
std::string show_default(const KeySpec& k, size_t max) {
  if (k.default_value.is_null()) return "";
  std::string s;
  if (k.default_value.is_double()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", k.default_value.get_double());  // 0.5, not Boost's 5E-1
    s = buf;
  } else {
    s = boost::json::serialize(k.default_value);
  }
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

std::string section_of(const std::string& key) { return key.substr(0, key.find('.')); }

std::string cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string code(const std::string& s) { return s.empty() ? "" : "`" + s + "`"; }

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

std::string describe_text(const std::vector<KeySpec>& keys) {
  size_t wk = 3, wt = 4, wd = 7;
  for (const auto& k : keys) {
    wk = std::max(wk, k.key.size());
    wt = std::max(wt, std::string(type_name(k.type)).size());
    wd = std::max(wd, show_default(k, 32).size());
  }
  std::string out = pad("KEY", wk) + "  " + pad("TYPE", wt) + "  " + pad("DEFAULT", wd) + "  APPLIES  SECRET  DESCRIPTION\n";
  for (const auto& k : keys) {
    std::string desc = k.description;
    if (!k.constraint.empty()) desc += " [" + k.constraint + "]";
    out += pad(k.key, wk) + "  " + pad(type_name(k.type), wt) + "  " + pad(show_default(k, 32), wd) + "  " +
           pad(apply_name(k.apply), 7) + "  " + pad(k.secret ? "yes" : "no", 6) + "  " + desc + "\n";
  }
  return out;
}

std::string describe_markdown(const std::vector<KeySpec>& keys) {
  std::map<std::string, std::vector<const KeySpec*>> sections;
  for (const auto& k : keys) sections[section_of(k.key)].push_back(&k);
  std::string out =
      "# Configuration keys\n"
      "\n"
      "<!-- Generated from the key declarations in the code by\n"
      "     build/switchboard config describe --markdown > docs/configuration.md\n"
      "     Do not edit by hand: `make test` fails when this file differs from the declarations. -->\n"
      "\n"
      "Every key Switchboard reads, declared next to the code that reads it. Layers, lowest first: the\n"
      "default below < the TOML file (`--config`; `[server]` then `listen = …` is `server.listen`) <\n"
      "the environment (`SWITCHBOARD_` + the key upper-cased with `.` as `__`:\n"
      "`SWITCHBOARD_SERVER__LISTEN`) < runtime values (`PUT /v1/config/{key}`, `switchboard config\n"
      "set`), stored in the database and applied by every instance. An unknown key in the file or\n"
      "the environment stops the start, naming the file (or variable) and the key.\n"
      "\n"
      "**Applies**: `hot`, at once on every instance; `restart`, stored now and read at the next\n"
      "start; `boot`, read before the database opens, so only the file or the environment can set\n"
      "it (a runtime set is refused). **Secret** values are redacted in every listing, event and\n"
      "log line, and sealed at rest with a key derived from `identity.master_key`.\n"
      "\n"
      "`switchboard config describe` prints the same list on a terminal.\n";
  for (const auto& [section, list] : sections) {
    out += "\n## " + section + "\n\n";
    out += "| Key | Type | Default | Applies | Secret | Allowed | Description |\n";
    out += "|---|---|---|---|---|---|---|\n";
    for (const KeySpec* k : list) {
      out += "| " + cell(code(k->key)) + " | " + type_name(k->type) + " | " + cell(code(show_default(*k, 60))) +
             " | " + apply_name(k->apply) + " | " + (k->secret ? "yes" : "") + " | " + cell(k->constraint) + " | " +
             cell(k->description) + " |\n";
    }
  }
  return out;
}

}  // namespace sb::config
