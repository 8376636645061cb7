#include "api/config_api.h"

#include "api/json_body.h"
#include "api/sse_stream.h"
#include "config/config.h"
#include "core/json.h"
#include "events/event.h"
#include "events/event_log.h"

namespace sb::api {

namespace bj = boost::json;

namespace {
bj::object entry_json(const config::Entry& e) {
  bj::object o{{"key", e.key},
               {"value", e.value},
               {"layer", config::layer_name(e.layer)},
               {"secret", e.secret},
               {"applies", config::apply_name(e.apply)}};
  if (!e.schema.is_null()) o["schema"] = e.schema;
  return o;
}
}  // namespace

std::string config_key_scope(const http::Request& req) {
  auto it = req.params.find("key");
  return it == req.params.end() ? std::string() : it->second;
}

std::string config_prefix_scope(const http::Request& req) {
  auto prefix = req.query_param("prefix");
  return prefix && !prefix->empty() ? std::string(*prefix) + "*" : std::string();
}

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
  out += e->secret ? ",\"secret\":true" : ",\"secret\":false";
  out += ",\"applies\":";
  json::append_quoted(out, config::apply_name(e->apply));
  if (!e->schema.is_null()) {
    out += ",\"schema\":";
    out += bj::serialize(e->schema);
  }
  out += '}';
  return http::Response::json(200, std::move(out));
}

http::Response put_config(const ConfigDeps& s, http::Request& req) {
  auto body = json_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  if (!body->is_object() || !body->get_object().contains("value"))
    return error_response(Status::invalid("/value", "is required: send {\"value\": …}"), req);
  const auto& o = body->get_object();
  for (const auto& kv : o)
    if (kv.key() != "value" && kv.key() != "schema")
      return error_response(Status::invalid("/" + std::string(kv.key()), "is not a field: send value and, for app.* keys, schema"), req);
  std::optional<bj::value> schema;
  if (const bj::value* sc = o.if_contains("schema")) schema = *sc;
  const std::string& key = req.params["key"];
  if (Status st = s.config->set(key, o.at("value"), req.principal, schema); !st) return error_response(st, req);
  auto e = s.config->entry(key);
  return json_response(200, entry_json(*e));
}

http::Response delete_config(const ConfigDeps& s, http::Request& req) {
  if (Status st = s.config->unset(req.params["key"], req.principal); !st) return error_response(st, req);
  return http::Response{204, {}, {}, nullptr};
}

namespace {

// One config.updated event as a watcher sees it: the key, what happened, the
// value now in force and its layer. A set carries the value from the event
// (already redacted when secret); after an unset the value falls back to this
// instance's file, environment or default, which never change at run time.
std::string change_frame(const config::ConfigService& config, const std::string& prefix,
                         const events::StoredEvent& stored) {
  auto e = events::parse_stored(stored.sequence, stored.envelope);
  if (!e.ok() || e->subject.compare(0, prefix.size(), prefix) != 0) return "";
  auto data = json::parse(e->data_json);
  if (!data.ok() || !data->is_object()) return "";
  const bj::object& d = data->get_object();
  const bj::value* action = d.if_contains("action");
  bj::object out{{"key", e->subject}, {"action", action ? *action : bj::value("set")}};
  if (action && action->is_string() && action->get_string() == "unset") {
    auto fallback = config.static_entry(e->subject);
    if (!fallback.ok()) return "";  // a key this version no longer declares
    out["value"] = fallback->value;
    out["layer"] = config::layer_name(fallback->layer);
  } else {
    const bj::value* v = d.if_contains("value");
    // Belt and braces: the payload is redacted at the source already.
    out["value"] = config.is_secret(e->subject) ? bj::value("********") : (v ? *v : bj::value(nullptr));
    out["layer"] = "runtime";
  }
  return sse_frame(stored.sequence, "config.updated", bj::serialize(out));
}

}  // namespace

http::Response watch_config(const ConfigDeps& s, http::Request& req) {
  std::string prefix(req.query_param("prefix").value_or(""));
  auto after = sse_resume_point(req, s.events->head());
  if (!after.ok()) return error_response(after.status(), req);
  const config::ConfigService* config = s.config;
  return sse_response(*s.feed, "config.updated", *after, [config, prefix](const events::StoredEvent& e) {
    return change_frame(*config, prefix, e);
  });
}

// ---- component

void ConfigComponent::declare(Declarations& d) {
  // Routes narrow these per key (config:read:<key>): a grant of
  // config:read:app.* reads app.* keys only.
  d.permission("config:read", "Read and watch runtime configuration (secrets redacted); config:read:app.* for app.* only");
  d.permission("config:write", "Set and unset runtime configuration; config:write:app.* for app.* only");
  d.event_type(config::kConfigUpdated);
}

Status ConfigComponent::init() {
  deps_ = {&kernel_.config, kernel_.events, kernel_.feed};
  return {};
}

void ConfigComponent::routes(std::vector<http::Route>& out) {
  using http::Access;
  RouteTable t(out, deps_);
  t.add({"GET", "/v1/config", t.io(list_config), Access::kPermission, "config:read", "", config_prefix_scope});
  t.add({"GET", "/v1/config/watch", t.io(watch_config), Access::kPermission, "config:read", "", config_prefix_scope});
  t.add({"GET", "/v1/config/{key}", t.io(get_config), Access::kPermission, "config:read", "", config_key_scope});
  t.add({"PUT", "/v1/config/{key}", t.pool(put_config), Access::kPermission, "config:write", "", config_key_scope});
  t.add({"DELETE", "/v1/config/{key}", t.pool(delete_config), Access::kPermission, "config:write", "",
         config_key_scope});
}

Status ConfigComponent::start() {
  config::ConfigService* config = &kernel_.config;
  follow_log(kernel_, std::string(config::kConfigUpdated.type), [config](const events::Event& e) { config->apply_event(e); });
  return {};
}

}  // namespace sb::api
