#include "api/config_api.h"
#include "events/event.h"

#include "api/json_body.h"
#include "config/config.h"
#include "core/json.h"

namespace sb::api {

namespace bj = boost::json;

namespace {
bj::object entry_json(const config::Entry& e) {
  return {{"key", e.key}, {"value", e.value}, {"layer", config::layer_name(e.layer)}, {"secret", e.secret}};
}
}  // namespace

http::Response list_config(const ConfigDeps& s, http::Request& req) {
  bj::array out;
  for (auto& e : s.config->list(req.query_param("prefix").value_or(""))) out.push_back(entry_json(e));
  return json_response(200, bj::object{{"entries", std::move(out)}});
}

http::Response get_config(const ConfigDeps& s, http::Request& req) {
  auto e = s.config->entry(req.params["key"]);
  if (!e.ok()) return error_response(e.status(), req);
  // Services read their config on every start and often on every request:
  // the text is written directly, without building a DOM (same output as
  // entry_json).
  std::string out = "{\"key\":";
  json::append_quoted(out, e->key);
  out += ",\"value\":";
  out += bj::serialize(e->value);
  out += ",\"layer\":";
  json::append_quoted(out, config::layer_name(e->layer));
  out += e->secret ? ",\"secret\":true}" : ",\"secret\":false}";
  return http::Response::json(200, std::move(out));
}

http::Response put_config(const ConfigDeps& s, http::Request& req) {
  auto body = json_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  if (!body->is_object() || !body->get_object().contains("value"))
    return error_response(Status::invalid("/value", "is required: send {\"value\": …}"), req);
  const std::string& key = req.params["key"];
  if (Status st = s.config->set(key, body->get_object().at("value"), req.principal); !st)
    return error_response(st, req);
  auto e = s.config->entry(key);
  return json_response(200, entry_json(*e));
}

http::Response delete_config(const ConfigDeps& s, http::Request& req) {
  if (Status st = s.config->unset(req.params["key"], req.principal); !st) return error_response(st, req);
  return http::Response{204, {}, {}, nullptr};
}

// ---- component

void ConfigComponent::declare(Declarations& d) {
  d.permission("config:read", "Read runtime configuration (secrets redacted)");
  d.permission("config:write", "Set and unset runtime configuration");
  d.event_type(config::kConfigUpdated);
}

Status ConfigComponent::init() {
  deps_ = {&kernel_.config};
  return {};
}

void ConfigComponent::routes(std::vector<http::Route>& out) {
  using http::Access;
  RouteTable t(out, deps_);
  t.add({"GET", "/v1/config", t.io(list_config), Access::kPermission, "config:read"});
  t.add({"GET", "/v1/config/{key}", t.io(get_config), Access::kPermission, "config:read"});
  t.add({"PUT", "/v1/config/{key}", t.pool(put_config), Access::kPermission, "config:write"});
  t.add({"DELETE", "/v1/config/{key}", t.pool(delete_config), Access::kPermission, "config:write"});
}

Status ConfigComponent::start() {
  config::ConfigService* config = &kernel_.config;
  follow_log(kernel_, "config.updated", [config](const events::Event& e) { config->apply_event(e); });
  return {};
}

}  // namespace sb::api
