#include "notify/rules.h"

#include <boost/json.hpp>

#include "events/event.h"
#include "notify/config_list.h"

namespace sb::notify {

namespace {
bool valid_path(std::string_view p) { return p == "$" || (p.size() > 2 && p.substr(0, 2) == "$."); }
}  // namespace

Result<std::vector<Rule>> parse_rules(const boost::json::value& v) {
  return parse_config_list<Rule>(
      v, "notify.rules", "rules",
      [](const boost::json::object& o, const std::string& at, const std::vector<Rule>& /*earlier*/,
         std::vector<FieldError>& errs) {
        Rule r;
        auto str = [&](const char* key, std::string& out, bool required) {
          auto* x = o.if_contains(key);
          if (!x) {
            if (required) errs.push_back({at + key, "is required"});
            return;
          }
          if (!x->is_string())
            errs.push_back({at + key, "must be a string"});
          else
            out = std::string(x->get_string());
        };
        str("on", r.on, true);
        str("type", r.type, true);
        str("user", r.user, false);
        str("data", r.data, false);
        if (!r.on.empty())
          if (Status s = events::validate_pattern(r.on, at + "on"); !s) errs.push_back({at + "on", s.message()});
        if (!valid_path(r.user)) errs.push_back({at + "user", "must be a path like $.data.user_id"});
        if (!valid_path(r.data)) errs.push_back({at + "data", "must be a path like $.data"});
        if (auto* c = o.if_contains("channels")) {
          if (!c->is_array())
            errs.push_back({at + "channels", "must be an array of channel names"});
          else
            for (auto& ch : c->get_array()) {
              if (ch.is_string())
                r.channels.emplace_back(ch.get_string());
              else
                errs.push_back({at + "channels", "must be an array of channel names"});
            }
        }
        if (auto* c = o.if_contains("critical")) {
          if (!c->is_bool())
            errs.push_back({at + "critical", "must be true or false"});
          else
            r.critical = c->get_bool();
        }
        for (auto& kv : o)
          if (kv.key() != "on" && kv.key() != "type" && kv.key() != "user" && kv.key() != "data" &&
              kv.key() != "channels" && kv.key() != "critical")
            errs.push_back({at + std::string(kv.key()), "is not a known field"});
        return r;
      });
}

const boost::json::value* at_path(const boost::json::value& root, std::string_view path) {
  if (path == "$") return &root;
  const boost::json::value* cur = &root;
  std::string_view rest = path.substr(2);
  while (!rest.empty()) {
    auto dot = rest.find('.');
    std::string_view key = rest.substr(0, dot);
    if (!cur->is_object()) return nullptr;
    cur = cur->get_object().if_contains(key);
    if (!cur) return nullptr;
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  }
  return cur;
}

}  // namespace sb::notify
