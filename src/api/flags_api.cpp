#include "api/flags_api.h"

#include "api/json_body.h"
#include "config/config.h"
#include "core/clock.h"
#include "core/json.h"
#include "core/thread_pool.h"
#include "flags/service.h"

#include <spdlog/spdlog.h>

namespace sb::api {

namespace bj = boost::json;

namespace {

http::Response no_content() { return http::Response{204, {}, {}, nullptr}; }

// ?environment=, default production (or the last configured environment
// when production is not one of them).
Result<std::string> environment_of(const FlagsDeps& s, const http::Request& req) {
  auto env = req.query_param("environment");
  if (!env) {
    const auto& envs = s.flags->environments();
    for (const auto& e : envs)
      if (e == "production") return e;
    return envs.back();
  }
  SB_TRY(s.flags->check_environment(*env, "environment"));
  return *env;
}

Result<int64_t> segment_id(const http::Request& req) {
  const std::string& text = req.params.at("id");
  int64_t id = 0;
  for (char c : text) {
    if (c < '0' || c > '9' || id > 1'000'000'000'000) return Status::invalid("id", "must be a positive integer");
    id = id * 10 + (c - '0');
  }
  if (text.empty() || id < 1) return Status::invalid("id", "must be a positive integer");
  return id;
}

http::Response status_or_no_content(const Status& st, const http::Request& req) {
  return st ? no_content() : error_response(st, req);
}

http::Response flag_after(const FlagsDeps& s, http::Request& req, const Status& st) {
  if (!st) return error_response(st, req);
  auto env = environment_of(s, req);
  if (!env.ok()) return error_response(env.status(), req);
  auto f = s.flags->get_flag(req.params["name"], *env);
  if (!f.ok()) return error_response(f.status(), req);
  return json_response(200, *f);
}

http::Response set_enabled(const FlagsDeps& s, http::Request& req, bool on) {
  const std::string& env = req.params["env"];
  if (Status st = s.flags->check_environment(env, "env"); !st) return error_response(st, req);
  Status st = s.flags->set_enabled(req.params["name"], env, on, req.principal);
  if (!st) return error_response(st, req);
  auto f = s.flags->get_flag(req.params["name"], env);
  if (!f.ok()) return error_response(f.status(), req);
  return json_response(200, *f);
}

}  // namespace

http::Response list_flags(const FlagsDeps& s, http::Request& req) {
  auto env = environment_of(s, req);
  if (!env.ok()) return error_response(env.status(), req);
  auto archived = req.query_param("archived");
  if (archived && *archived != "true" && *archived != "false")
    return error_response(Status::invalid("archived", "must be true or false"), req);
  auto list = s.flags->list_flags(*env, archived && *archived == "true");
  if (!list.ok()) return error_response(list.status(), req);
  return json_response(200, bj::object{{"environment", *env}, {"flags", std::move(*list)}});
}

http::Response get_flag(const FlagsDeps& s, http::Request& req) { return flag_after(s, req, {}); }

http::Response put_flag(const FlagsDeps& s, http::Request& req) {
  auto env = environment_of(s, req);
  if (!env.ok()) return error_response(env.status(), req);
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  auto saved = s.flags->put_flag(req.params["name"], *body, *env, req.principal);
  if (!saved.ok()) return error_response(saved.status(), req);
  return json_response(200, *saved);
}

http::Response delete_flag(const FlagsDeps& s, http::Request& req) {
  return status_or_no_content(s.flags->delete_flag(req.params["name"], req.principal), req);
}

http::Response archive_flag(const FlagsDeps& s, http::Request& req) {
  return flag_after(s, req, s.flags->archive(req.params["name"], req.principal));
}

http::Response revive_flag(const FlagsDeps& s, http::Request& req) {
  return flag_after(s, req, s.flags->revive(req.params["name"], req.principal));
}

http::Response enable_flag(const FlagsDeps& s, http::Request& req) { return set_enabled(s, req, true); }
http::Response disable_flag(const FlagsDeps& s, http::Request& req) { return set_enabled(s, req, false); }

http::Response flag_metrics(const FlagsDeps& s, http::Request& req) {
  auto env = environment_of(s, req);
  if (!env.ok()) return error_response(env.status(), req);
  auto hours = int_param(req, "hours", 24, 1, 24 * 90);
  if (!hours.ok()) return error_response(hours.status(), req);
  auto m = s.flags->metrics(req.params["name"], *env, Clock::system().now_ms() - *hours * 3'600'000);
  if (!m.ok()) return error_response(m.status(), req);
  return json_response(200, *m);
}

http::Response import_flags(const FlagsDeps& s, http::Request& req) {
  auto env = environment_of(s, req);
  if (!env.ok()) return error_response(env.status(), req);
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  auto summary = s.flags->import(*body, *env, req.principal);
  if (!summary.ok()) return error_response(summary.status(), req);
  return json_response(200, *summary);
}

http::Response list_segments(const FlagsDeps& s, http::Request& req) {
  auto list = s.flags->list_segments();
  if (!list.ok()) return error_response(list.status(), req);
  return json_response(200, bj::object{{"segments", std::move(*list)}});
}

http::Response put_segment(const FlagsDeps& s, http::Request& req) {
  auto id = segment_id(req);
  if (!id.ok()) return error_response(id.status(), req);
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  auto saved = s.flags->put_segment(*id, *body, req.principal);
  if (!saved.ok()) return error_response(saved.status(), req);
  return json_response(200, *saved);
}

http::Response delete_segment(const FlagsDeps& s, http::Request& req) {
  auto id = segment_id(req);
  if (!id.ok()) return error_response(id.status(), req);
  return status_or_no_content(s.flags->delete_segment(*id, req.principal), req);
}

namespace {
bj::object token_json(const flags::Token& t) {
  return bj::object{{"id", t.id},
                    {"type", flags::token_type_name(t.type)},
                    {"environment", t.environment},
                    {"name", t.name},
                    {"created_by", t.created_by},
                    {"created_at", format_rfc3339(t.created_at_ms)}};
}
}  // namespace

http::Response list_flag_tokens(const FlagsDeps& s, http::Request& req) {
  auto list = s.flags->list_tokens();
  if (!list.ok()) return error_response(list.status(), req);
  bj::array out;
  for (const auto& t : *list) out.push_back(token_json(t));
  return json_response(200, bj::object{{"tokens", std::move(out)}});
}

http::Response create_flag_token(const FlagsDeps& s, http::Request& req) {
  auto body = object_body(req);
  if (!body.ok()) return error_response(body.status(), req);
  std::string type, env, name;
  std::vector<FieldError> errs;
  for (Status st : {json::get_string(*body, "type", type, true), json::get_string(*body, "environment", env, false),
                    json::get_string(*body, "name", name, false)})
    for (const auto& f : st.fields()) errs.push_back(f);
  if (errs.empty() && type != "client" && type != "frontend")
    errs.push_back({"/type", "must be \"client\" or \"frontend\""});
  if (!errs.empty()) return error_response(Status::invalid(std::move(errs)), req);
  if (env.empty()) {
    auto e = environment_of(s, req);
    if (!e.ok()) return error_response(e.status(), req);
    env = *e;
  }
  auto created = s.flags->create_token(type == "frontend" ? flags::TokenType::kFrontend : flags::TokenType::kClient,
                                       env, name, req.principal);
  if (!created.ok()) return error_response(created.status(), req);
  bj::object out = token_json(created->second);
  out["secret"] = created->first;  // shown once
  return json_response(201, out);
}

http::Response delete_flag_token(const FlagsDeps& s, http::Request& req) {
  return status_or_no_content(s.flags->delete_token(req.params["id"], req.principal), req);
}

http::Response list_flag_clients(const FlagsDeps& s, http::Request& req) {
  auto list = s.flags->clients();
  if (!list.ok()) return error_response(list.status(), req);
  return json_response(200, bj::object{{"clients", std::move(*list)}});
}

// ---- component

FlagsComponent::FlagsComponent(Kernel& kernel) : Component("flags"), kernel_(kernel) {}
FlagsComponent::~FlagsComponent() = default;

void FlagsComponent::declare(Declarations& d) {
  d.config.declare(flags_keys::kEnvironments, flags_keys::kFrontendOrigins);
  d.permission("flags:read", "List and read flags, segments, SDK clients and metrics");
  d.permission("flags:write", "Create, change, enable, archive, import and delete flags and segments");
  d.permission("flags:evaluate", "Evaluate flags for a context (POST /v1/flags/evaluate)");
  d.permission("flags:tokens", "Create, list and revoke the Unleash SDKs' API tokens");
  d.event_types_of(flags::kFlagEventTypes);
}

Status FlagsComponent::init() {
  flags_ = std::make_unique<flags::Service>(*kernel_.db, *kernel_.events, kernel_.clock,
                                            kernel_.config.get(flags_keys::kEnvironments));
  deps_ = {flags_.get(), kernel_.config.get(flags_keys::kFrontendOrigins)};
  return flags_->reload();
}

void FlagsComponent::routes(std::vector<http::Route>& out) {
  using http::Access;
  RouteTable t(out, deps_);
  // Fixed paths before /v1/flags/{name}: the router tries same-length
  // patterns in order (and put_flag refuses these words as flag names).
  t.add({"GET", "/v1/flags", t.pool(list_flags), Access::kPermission, "flags:read"});
  t.add({"POST", "/v1/flags/import", t.pool(import_flags), Access::kPermission, "flags:write"});
  t.add({"POST", "/v1/flags/evaluate", t.io(evaluate_flags), Access::kPermission, "flags:evaluate"});
  t.add({"GET", "/v1/flags/segments", t.pool(list_segments), Access::kPermission, "flags:read"});
  t.add({"PUT", "/v1/flags/segments/{id}", t.pool(put_segment), Access::kPermission, "flags:write"});
  t.add({"DELETE", "/v1/flags/segments/{id}", t.pool(delete_segment), Access::kPermission, "flags:write"});
  t.add({"GET", "/v1/flags/tokens", t.pool(list_flag_tokens), Access::kPermission, "flags:tokens"});
  t.add({"POST", "/v1/flags/tokens", t.pool(create_flag_token), Access::kPermission, "flags:tokens"});
  t.add({"DELETE", "/v1/flags/tokens/{id}", t.pool(delete_flag_token), Access::kPermission, "flags:tokens"});
  t.add({"GET", "/v1/flags/clients", t.pool(list_flag_clients), Access::kPermission, "flags:read"});
  t.add({"GET", "/v1/flags/{name}", t.pool(get_flag), Access::kPermission, "flags:read"});
  t.add({"PUT", "/v1/flags/{name}", t.pool(put_flag), Access::kPermission, "flags:write"});
  t.add({"DELETE", "/v1/flags/{name}", t.pool(delete_flag), Access::kPermission, "flags:write"});
  t.add({"POST", "/v1/flags/{name}/archive", t.pool(archive_flag), Access::kPermission, "flags:write"});
  t.add({"POST", "/v1/flags/{name}/revive", t.pool(revive_flag), Access::kPermission, "flags:write"});
  t.add({"POST", "/v1/flags/{name}/environments/{env}/on", t.pool(enable_flag), Access::kPermission, "flags:write"});
  t.add({"POST", "/v1/flags/{name}/environments/{env}/off", t.pool(disable_flag), Access::kPermission,
         "flags:write"});
  t.add({"GET", "/v1/flags/{name}/metrics", t.pool(flag_metrics), Access::kPermission, "flags:read"});
  // The Unleash SDKs' APIs: public to the pipeline, each handler checks the
  // SDK token (Authorization: <token>, as the SDKs send it).
  t.add({"GET", "/api/client/features", t.io(unleash_client_features), Access::kPublic});
  t.add({"POST", "/api/client/register", t.pool(unleash_client_register), Access::kPublic});
  t.add({"POST", "/api/client/metrics", t.pool(unleash_client_metrics), Access::kPublic});
  t.add({"GET", "/api/frontend", t.io(unleash_frontend), Access::kPublic});
  t.add({"POST", "/api/frontend", t.io(unleash_frontend), Access::kPublic});
  t.add({"POST", "/api/frontend/client/register", t.pool(unleash_frontend_register), Access::kPublic});
  t.add({"POST", "/api/frontend/client/metrics", t.pool(unleash_frontend_metrics), Access::kPublic});
  for (const char* path : {"/api/frontend", "/api/frontend/client/register", "/api/frontend/client/metrics"})
    t.add({"OPTIONS", path, t.io(unleash_frontend_preflight), Access::kPublic});
}

Status FlagsComponent::start() {
  // An import appends one event per flag: reloads are coalesced, run on the
  // blocking pool, so a burst of N events costs one or two reloads, not N.
  follow_log(kernel_, "flag.*", [this](const events::Event&) {
    if (reload_queued_.exchange(true)) return;
    auto reload = [this] {
      reload_queued_ = false;
      if (Status st = flags_->reload(); !st) spdlog::warn("flags: reload failed: {}", st.to_string());
    };
    if (kernel_.blocking->submit(reload) == Submitted::kFull) reload();
  });
  return {};
}

}  // namespace sb::api
