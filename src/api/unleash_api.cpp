// Flag evaluation over HTTP and the Unleash APIs the official SDKs call:
// the client API (server SDKs fetch the flag document and evaluate locally),
// the frontend API (browser and mobile SDKs get flags evaluated for their
// context), SDK registration and metrics. The Unleash routes authenticate
// with SDK tokens (flags/service.h), scoped to one environment.
#include <boost/json/monotonic_resource.hpp>

#include "api/flags_api.h"
#include "api/json_body.h"
#include "core/crypto.h"
#include "core/json.h"
#include "flags/service.h"
#include "http/static_files.h"

namespace sb::api {

namespace bj = boost::json;

namespace {

// Context values as text: SDKs send userId as a number now and then.
bool scalar_text(const bj::value& v, std::string& out) {
  if (v.is_string()) out = v.as_string();
  else if (v.is_int64()) out = std::to_string(v.as_int64());
  else if (v.is_uint64()) out = std::to_string(v.as_uint64());
  else if (v.is_double()) out = json::serialize(v);
  else if (v.is_bool()) out = v.as_bool() ? "true" : "false";
  else return false;
  return true;
}

std::string* context_field(flags::Context& ctx, std::string_view key) {
  if (key == "userId") return &ctx.user_id;
  if (key == "sessionId") return &ctx.session_id;
  if (key == "remoteAddress") return &ctx.remote_address;
  if (key == "environment") return &ctx.environment;
  if (key == "appName") return &ctx.app_name;
  if (key == "currentTime") return &ctx.current_time;
  return nullptr;
}

// The SDK token of a request to the Unleash APIs, as `type` requires.
Result<flags::Token> sdk_token(const FlagsDeps& s, const http::Request& req, flags::TokenType type) {
  std::string_view auth = req.header("authorization");
  if (auth.starts_with("Bearer ") || auth.starts_with("bearer ")) auth.remove_prefix(7);
  if (auth.empty()) return Status::unauthenticated("an Unleash API token is required in Authorization");
  auto token = s.flags->authenticate(auth);
  if (!token) return Status::unauthenticated("unknown or revoked API token");
  if (token->type != type)
    return Status::permission_denied(std::string("this API takes a ") + flags::token_type_name(type) + " token");
  // The token's environment is the one served; asking for another is refused.
  if (auto env = req.query_param("environment"); env && *env != token->environment)
    return Status::permission_denied("the token is scoped to environment " + token->environment);
  return *token;
}

void append_variant(std::string& out, const flags::Variant& v) {
  out += "{\"name\":";
  json::append_quoted(out, v.name);
  out += v.enabled ? ",\"enabled\":true" : ",\"enabled\":false";
  out += v.feature_enabled ? ",\"feature_enabled\":true" : ",\"feature_enabled\":false";
  if (v.payload) {
    out += ",\"payload\":{\"type\":";
    json::append_quoted(out, v.payload->type);
    out += ",\"value\":";
    json::append_quoted(out, v.payload->value);
    out += '}';
  }
  out += '}';
}

void split_query(std::string_view q, const std::function<void(std::string, std::string)>& each) {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = http::percent_decode(pair.substr(0, eq), true);
    std::string value = eq == std::string_view::npos ? "" : http::percent_decode(pair.substr(eq + 1), true);
    each(std::move(key), std::move(value));
  }
}

// CORS for the frontend API: browser SDKs run on the application's origin.
// An allowed Origin is echoed (with Vary: Origin) or "*" when any is allowed.
http::Response& with_cors(http::Response& r, const FlagsDeps& s, const http::Request& req) {
  std::string_view origin = req.header("origin");
  if (origin.empty()) return r;
  for (const auto& allowed : s.frontend_origins) {
    if (allowed != "*" && allowed != origin) continue;
    r.set_header("Access-Control-Allow-Origin", allowed == "*" ? "*" : std::string(origin));
    if (allowed != "*") r.set_header("Vary", "Origin");
    return r.set_header("Access-Control-Expose-Headers", "ETag");
  }
  return r;
}

}  // namespace

Status read_flag_context(const bj::object& o, flags::Context& ctx, const std::string& at) {
  for (const auto& [key, v] : o) {
    if (key == "properties") {
      if (!v.is_object()) return Status::invalid(at + "/properties", "must be an object of strings");
      for (const auto& [pk, pv] : v.as_object()) {
        std::string text;
        if (pv.is_null()) continue;
        if (!scalar_text(pv, text))
          return Status::invalid(at + "/properties/" + std::string(pk), "must be a string, number or boolean");
        ctx.properties.emplace_back(pk, std::move(text));
      }
      continue;
    }
    std::string* field = context_field(ctx, key);
    if (v.is_null()) continue;
    std::string text;
    if (!scalar_text(v, text)) return Status::invalid(at + "/" + std::string(key), "must be a string");
    // Unleash SDKs accept custom fields at the top level as properties too.
    if (field) *field = std::move(text);
    else ctx.properties.emplace_back(key, std::move(text));
  }
  return {};
}

http::Response evaluate_flags(const FlagsDeps& s, http::Request& req) {
  unsigned char arena[4096];
  bj::monotonic_resource mr(arena, sizeof(arena));
  auto body = json_body(req, &mr);
  if (!body.ok()) return error_response(body.status(), req);
  if (!body->is_object()) return error_response(Status::invalid("body", "must be a JSON object"), req);
  const bj::object& o = body->as_object();
  std::string env = req.query_param("environment").value_or("production");
  const flags::Evaluator* evaluator = s.flags->evaluator(env);
  if (!evaluator) return error_response(s.flags->check_environment(env, "environment"), req);
  flags::Context ctx;
  if (auto* c = o.if_contains("context")) {
    if (!c->is_object()) return error_response(Status::invalid("/context", "must be an object"), req);
    if (Status st = read_flag_context(c->as_object(), ctx, "/context"); !st) return error_response(st, req);
  }
  auto set = evaluator->snapshot();
  const bj::array* wanted = nullptr;
  if (auto* f = o.if_contains("flags"); f && !f->is_null()) {
    if (!f->is_array()) return error_response(Status::invalid("/flags", "must be an array of flag names"), req);
    wanted = &f->as_array();
    for (size_t i = 0; i < wanted->size(); ++i)
      if (!(*wanted)[i].is_string())
        return error_response(Status::invalid("/flags/" + std::to_string(i), "must be a flag name"), req);
  }
  std::string out = "{\"results\":{";
  bool first = true;
  auto one = [&](std::string_view name) {
    if (!first) out += ',';
    first = false;
    json::append_quoted(out, name);
    // One evaluation: the variant carries the flag's verdict (feature_enabled),
    // so "enabled" and the variant cannot disagree under random stickiness.
    flags::Variant v = set->variant(name, ctx);
    out += v.feature_enabled ? ":{\"enabled\":true,\"variant\":" : ":{\"enabled\":false,\"variant\":";
    append_variant(out, v);
    out += '}';
  };
  if (wanted) {
    for (const auto& n : *wanted) one(n.as_string());
  } else {
    for (const auto& n : set->names()) one(n);
  }
  out += "}}";
  return http::Response::json(200, std::move(out));
}

http::Response unleash_client_features(const FlagsDeps& s, http::Request& req) {
  auto token = sdk_token(s, req, flags::TokenType::kClient);
  if (!token.ok()) return error_response(token.status(), req);
  auto published = s.flags->published(token->environment);
  auto prefix = req.query_param("namePrefix");
  std::vector<std::string> projects;
  split_query(req.query, [&](std::string k, std::string v) {
    if (k == "project" && !v.empty()) projects.push_back(std::move(v));
  });
  std::string body;
  std::string etag = published->etag;
  if (prefix || !projects.empty()) {
    // Filtered views are rare (one per SDK poll with the option set): build
    // them from the document, with an ETag of the document and the filter.
    auto doc = json::parse(published->document);
    if (!doc.ok()) return error_response(doc.status(), req);
    bj::array kept;
    for (auto& f : doc->as_object()["features"].as_array()) {
      const bj::object& fo = f.as_object();
      if (prefix && !std::string_view(fo.at("name").as_string()).starts_with(*prefix)) continue;
      if (!projects.empty() &&
          std::find(projects.begin(), projects.end(), std::string_view(fo.at("project").as_string())) ==
              projects.end())
        continue;
      kept.push_back(std::move(f));
    }
    doc->as_object()["features"] = std::move(kept);
    body = json::serialize(*doc);
    etag = "\"" + crypto::sha256_hex(published->etag + req.query).substr(0, 24) + "\"";
  }
  if (http::if_none_match_hit(req.header("if-none-match"), etag))
    return http::Response{304, {{"ETag", etag}}, {}, nullptr};
  if (body.empty()) body = published->document;
  return http::Response::json(200, std::move(body)).with_header("ETag", etag);
}

namespace {

http::Response frontend_for(const FlagsDeps& s, http::Request& req, const flags::Context& ctx,
                            const flags::Token& token) {
  auto published = s.flags->published(token.environment);
  const flags::FlagSet& set = *published->set;
  std::string out = "{\"toggles\":[";
  bool first = true;
  for (const auto& name : set.names()) {
    flags::Variant v = set.variant(name, ctx);
    if (!v.feature_enabled) continue;  // the frontend API lists enabled flags only
    if (!first) out += ',';
    first = false;
    out += "{\"name\":";
    json::append_quoted(out, name);
    out += ",\"enabled\":true,\"variant\":";
    append_variant(out, v);
    out += published->impression_data.contains(name) ? ",\"impressionData\":true}" : ",\"impressionData\":false}";
  }
  out += "]}";
  // Browser SDKs poll with If-None-Match: an unchanged answer is a 304.
  std::string etag = "\"" + crypto::sha256_hex(out).substr(0, 24) + "\"";
  if (http::if_none_match_hit(req.header("if-none-match"), etag))
    return http::Response{304, {{"ETag", etag}}, {}, nullptr};
  return http::Response::json(200, std::move(out)).with_header("ETag", etag);
}

}  // namespace

http::Response unleash_frontend_preflight(const FlagsDeps& s, http::Request& req) {
  http::Response r{204, {}, {}, nullptr};
  r.set_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
  r.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, If-None-Match, Unleash-AppName, "
                                               "Unleash-InstanceId, Unleash-SDK, Unleash-Connection-Id");
  r.set_header("Access-Control-Max-Age", "86400");
  return with_cors(r, s, req);
}

namespace {

http::Response frontend_answer(const FlagsDeps& s, http::Request& req) {
  auto token = sdk_token(s, req, flags::TokenType::kFrontend);
  if (!token.ok()) return error_response(token.status(), req);
  flags::Context ctx;
  if (req.method == "POST") {
    auto body = object_body(req);
    if (!body.ok()) return error_response(body.status(), req);
    const bj::value* c = body->if_contains("context");
    if (c && !c->is_object()) return error_response(Status::invalid("/context", "must be an object"), req);
    if (Status st = read_flag_context(c ? c->as_object() : *body, ctx, c ? "/context" : ""); !st)
      return error_response(st, req);
  } else {
    // GET ?userId=…&properties[plan]=pro (or plain ?plan=pro), as the SDKs send it.
    split_query(req.query, [&](std::string k, std::string v) {
      if (k.starts_with("properties[") && k.ends_with("]")) {
        ctx.properties.emplace_back(k.substr(11, k.size() - 12), std::move(v));
      } else if (std::string* f = context_field(ctx, k)) {
        *f = std::move(v);
      } else {
        ctx.properties.emplace_back(std::move(k), std::move(v));
      }
    });
  }
  if (ctx.remote_address.empty()) ctx.remote_address = req.remote_ip;
  return frontend_for(s, req, ctx, *token);
}

}  // namespace

http::Response unleash_frontend(const FlagsDeps& s, http::Request& req) {
  http::Response r = frontend_answer(s, req);
  return with_cors(r, s, req);
}

namespace {

http::Response register_with(const FlagsDeps& s, http::Request& req, flags::TokenType type) {
  auto token = sdk_token(s, req, type);
  if (!token.ok()) return error_response(token.status(), req);
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  flags::ClientRegistration reg;
  reg.environment = token->environment;
  std::vector<FieldError> errs;
  for (Status st : {json::get_string(*body, "appName", reg.app_name, true),
                    json::get_string(*body, "instanceId", reg.instance_id, false),
                    json::get_string(*body, "sdkVersion", reg.sdk_version, false),
                    json::get_int(*body, "interval", reg.interval_ms, false)})
    for (const auto& f : st.fields()) errs.push_back(f);
  if (auto* started = body->if_contains("started"); started && started->is_string()) reg.started = started->as_string();
  if (auto* st = body->if_contains("strategies"); st && st->is_array())
    for (const auto& v : st->as_array())
      if (v.is_string()) reg.strategies.emplace_back(v.as_string());
  if (!errs.empty()) return error_response(Status::invalid(std::move(errs)), req);
  if (reg.instance_id.empty()) reg.instance_id = "default";
  if (Status st = s.flags->register_client(reg); !st) return error_response(st, req);
  return http::Response{202, {}, {}, nullptr};
}

http::Response metrics_with(const FlagsDeps& s, http::Request& req, flags::TokenType type) {
  auto token = sdk_token(s, req, type);
  if (!token.ok()) return error_response(token.status(), req);
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  flags::MetricsReport report;
  report.environment = token->environment;
  if (Status st = json::get_string(*body, "appName", report.app_name, true); !st) return error_response(st, req);
  auto* bucket = body->if_contains("bucket");
  if (!bucket || !bucket->is_object()) return error_response(Status::invalid("/bucket", "must be an object"), req);
  if (auto* start = bucket->as_object().if_contains("start"); start && start->is_string())
    if (!parse_rfc3339(start->as_string(), report.bucket_start_ms))
      return error_response(Status::invalid("/bucket/start", "must be an RFC 3339 date-time"), req);
  auto* toggles = bucket->as_object().if_contains("toggles");
  if (!toggles || !toggles->is_object())
    return error_response(Status::invalid("/bucket/toggles", "must be an object"), req);
  for (const auto& [name, counts] : toggles->as_object()) {
    std::string at = "/bucket/toggles/" + std::string(name);
    if (!counts.is_object()) return error_response(Status::invalid(at, "must be {\"yes\", \"no\"}"), req);
    flags::MetricsReport::Count c{std::string(name), 0, 0};
    for (Status st : {json::get_int(counts.as_object(), "yes", c.yes, false, at),
                      json::get_int(counts.as_object(), "no", c.no, false, at)})
      if (!st) return error_response(st, req);
    if (c.yes < 0 || c.no < 0) return error_response(Status::invalid(at, "counts must not be negative"), req);
    report.counts.push_back(std::move(c));
  }
  if (Status st = s.flags->record_metrics(report); !st) return error_response(st, req);
  return http::Response{202, {}, {}, nullptr};
}

}  // namespace

http::Response unleash_client_register(const FlagsDeps& s, http::Request& req) {
  return register_with(s, req, flags::TokenType::kClient);
}
http::Response unleash_client_metrics(const FlagsDeps& s, http::Request& req) {
  return metrics_with(s, req, flags::TokenType::kClient);
}
http::Response unleash_frontend_register(const FlagsDeps& s, http::Request& req) {
  http::Response r = register_with(s, req, flags::TokenType::kFrontend);
  return with_cors(r, s, req);
}
http::Response unleash_frontend_metrics(const FlagsDeps& s, http::Request& req) {
  http::Response r = metrics_with(s, req, flags::TokenType::kFrontend);
  return with_cors(r, s, req);
}

}  // namespace sb::api
