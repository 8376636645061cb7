#include "api/gateway_api.h"

#include <spdlog/spdlog.h>

#include "api/access_api.h"
#include "api/authenticator.h"
#include "api/discovery_api.h"
#include "api/identity_setup.h"
#include "config/config.h"
#include "core/metrics.h"
#include "discovery/registry.h"
#include "http/problem.h"
#include "http/upstream_client.h"
#include "resilience/rate_limiter.h"

namespace sb::api {

using http::Response;
using http::Step;

std::optional<Result<http::Principal>> verify_caller(http::Authenticator& auth, const http::Request& req,
                                                     const std::string& permission, bool may_block) {
  std::optional<Result<http::Principal>> who = may_block ? auth.authenticate(req) : auth.authenticate_cached(req);
  if (!who || !who->ok() || permission.empty()) return who;
  std::optional<Status> allowed = may_block ? auth.authorize(**who, permission) : auth.authorize_cached(**who, permission);
  if (!allowed) return std::nullopt;
  if (!*allowed) return Result<http::Principal>(*allowed);
  return who;
}

namespace {

// Forward-auth, for nginx auth_request, Traefik ForwardAuth and Envoy's HTTP
// ext_authz: they send the client's Authorization (and method, and for Envoy
// the path under /v1/authz/) and act on the status alone — 2xx lets the
// request through with our headers copied onto it, 401/403 are returned to
// the client. The permission asked for comes from `?permission=` or an
// X-Required-Permission header (what a proxy config can set).
class AuthzStep final : public Step {
 public:
  explicit AuthzStep(const GatewayDeps& deps) : deps_(deps) {}
  bool authenticates() const override { return true; }

  Outcome run(http::Request& req, const http::Route&, Reply& reply, bool may_block) override {
    std::string permission = req.query_param("permission").value_or(std::string(req.header("x-required-permission")));
    auto who = verify_caller(*deps_.auth, req, permission, may_block);
    if (!who) return Outcome::kNeedsPool;
    if (!who->ok()) {
      Response r = http::problem(who->status(), req.request_id);
      if (who->status().code() == Code::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
      reply(std::move(r));
      return Outcome::kAnswered;
    }
    std::string roles;
    for (const auto& role : (*who)->roles) roles += (roles.empty() ? "" : ",") + role;
    Response r = Response::json(200, "{\"ok\":true}");
    r.headers.emplace_back("X-User-Id", (*who)->user_id);
    r.headers.emplace_back("X-User-Roles", roles);
    r.headers.emplace_back("X-Auth-Principal", (*who)->name);
    r.headers.emplace_back("Cache-Control", "no-store");
    reply(std::move(r));
    return Outcome::kAnswered;
  }

 private:
  const GatewayDeps& deps_;
};

// Never reached: the rows' steps always answer. Kept so a row is complete.
Response unreachable(http::Request& req) {
  return http::problem(500, "internal", "Internal error", "gateway step did not answer", req.request_id);
}

constexpr const char* kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

}  // namespace

std::shared_ptr<Step> authz_step(const GatewayDeps& deps) { return std::make_shared<AuthzStep>(deps); }

GatewayComponent::GatewayComponent(Kernel& kernel, AccessComponent& access, IdentityComponent& identity,
                                   DiscoveryComponent& discovery)
    : Component("gateway"), kernel_(kernel), access_(access), identity_(identity), discovery_(discovery) {}

GatewayComponent::~GatewayComponent() { stop(); }

void GatewayComponent::declare(Declarations& d) {
  d.config.declare(gateway_keys::kRoutes, gateway_keys::kIoThreads, gateway_keys::kMaxIdle);
}

Status GatewayComponent::init() {
  discovery::Registry* registry = &discovery_.registry();
  auto resolve = [registry](std::string_view service) {
    std::vector<gateway::Target> out;
    for (const auto& i : registry->healthy(service)) out.push_back({i.address, i.port, ""});
    return out;
  };
  gateway_ = std::make_unique<gateway::Gateway>(kernel_.clock, resolve, &kernel_.metrics);
  SB_TRY(gateway_->apply(kernel_.config.get(gateway_keys::kRoutes)));
  http::UpstreamClientOptions co;
  co.threads = static_cast<int>(kernel_.config.get(gateway_keys::kIoThreads));
  co.max_idle_per_upstream = static_cast<size_t>(kernel_.config.get(gateway_keys::kMaxIdle));
  client_ = std::make_unique<http::UpstreamClient>(co);
  auth_ = std::make_unique<BearerAuthenticator>(identity_.credentials(), &access_.permission_check());
  limiter_ = std::make_unique<resilience::RateLimiter>(kernel_.clock);
  deps_ = {gateway_.get(), client_.get(), auth_.get(), limiter_.get()};
  // Checked on the way in (the key's parser), so applying cannot fail here;
  // if it did, the running routes stay and the log says why.
  routes_watch_ = kernel_.config.watch(gateway_keys::kRoutes.name(), [this](const std::string&) {
    if (Status s = gateway_->apply(kernel_.config.get(gateway_keys::kRoutes)); !s)
      spdlog::error("gateway.routes not applied: {}", s.message());
  });
  return {};
}

void GatewayComponent::routes(std::vector<http::Route>& out) {
  auto proxy = std::make_shared<const http::Steps>(http::Steps{gateway_step(deps_)});
  auto authz = std::make_shared<const http::Steps>(http::Steps{authz_step(deps_)});
  for (const char* method : kMethods) {
    for (const char* pattern : {"/v1/authz", "/v1/authz/*"}) {
      http::Route r{method, pattern, http::sync(unreachable), http::Access::kPublic};
      r.steps = authz;
      out.push_back(std::move(r));
    }
    http::Route r{method, "/*", http::sync(unreachable), http::Access::kPublic};
    r.steps = proxy;
    out.push_back(std::move(r));
  }
}

void GatewayComponent::stop() {
  if (routes_watch_) kernel_.config.unwatch(std::exchange(routes_watch_, 0));
  if (client_) client_->stop();
}

}  // namespace sb::api
