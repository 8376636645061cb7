// The gateway's HTTP side (docs/gateway.md): the reverse proxy for the
// routes of `gateway.routes` and forward-auth (/v1/authz) for teams that
// keep their own proxy.
//
// The router's table is fixed once the server starts, while gateway routes
// change at run time, so the gateway owns one tail row per method ("/*"):
// exact API patterns and longer tails (/ui/*) win over it, and its step
// consults the gateway's current route table for everything else (404
// problem+json when no route matches). That step authenticates, authorizes
// and rate-limits per gateway route, then proxies; it always answers.
#pragma once

#include <memory>

#include "api/component.h"
#include "config/key.h"
#include "gateway/gateway.h"
#include "gateway/routes.h"
#include "http/pipeline.h"

namespace sb::http { class UpstreamClient; }
namespace sb::resilience { class RateLimiter; }

namespace sb::api {

class AccessComponent;
class IdentityComponent;
class DiscoveryComponent;

namespace gateway_keys {
inline const config::Key<boost::json::value> kRoutes{
    "gateway.routes", boost::json::value(boost::json::array{}),
    "Reverse-proxy routes: [{name, match: {host, path_prefix, methods}, upstream: {service} | {urls}, strip_prefix, "
    "headers: {add, remove}, auth, permission, rate_limit: {limit, per}, timeout_ms, retries, balance, outlier}]",
    config::hot, config::parsed_by(gateway::parse_routes, "an array of routes (see docs/gateway.md)")};
inline const config::Key<int64_t> kIoThreads{"gateway.io_threads", 1,
                                             "Threads of the gateway's upstream client (each with its own pools)",
                                             config::between(1, 64)};
inline const config::Key<int64_t> kMaxIdle{"gateway.max_idle_connections", 64,
                                           "Idle keep-alive connections kept per upstream instance and thread",
                                           config::between(0, 10000)};
}  // namespace gateway_keys

// What the gateway's steps use; owned by GatewayComponent.
struct GatewayDeps {
  gateway::Gateway* gateway = nullptr;
  http::UpstreamClient* client = nullptr;
  http::Authenticator* auth = nullptr;
  resilience::RateLimiter* limiter = nullptr;
};

// The caller of `req`, holding `permission` when not empty: the principal,
// Unauthenticated / PermissionDenied, or nullopt when only the blocking pool
// can tell (!may_block and a cache miss).
std::optional<Result<http::Principal>> verify_caller(http::Authenticator& auth, const http::Request& req,
                                                     const std::string& permission, bool may_block);

// The tail rows' step: match, authenticate, authorize, rate-limit, proxy
// (api/gateway_proxy.cpp).
std::shared_ptr<http::Step> gateway_step(const GatewayDeps& deps);
// /v1/authz: 200 with identity headers, 401 or 403 (api/gateway_api.cpp).
std::shared_ptr<http::Step> authz_step(const GatewayDeps& deps);

class GatewayComponent final : public Component {
 public:
  GatewayComponent(Kernel& kernel, AccessComponent& access, IdentityComponent& identity,
                   DiscoveryComponent& discovery);
  ~GatewayComponent() override;
  void declare(Declarations& d) override;
  Status init() override;
  void routes(std::vector<http::Route>& out) override;
  void stop() override;

  gateway::Gateway& gateway() { return *gateway_; }

 private:
  Kernel& kernel_;
  AccessComponent& access_;
  IdentityComponent& identity_;
  DiscoveryComponent& discovery_;
  std::unique_ptr<gateway::Gateway> gateway_;
  std::unique_ptr<http::UpstreamClient> client_;
  std::unique_ptr<http::Authenticator> auth_;
  std::unique_ptr<resilience::RateLimiter> limiter_;
  GatewayDeps deps_;
  uint64_t routes_watch_ = 0;
};

}  // namespace sb::api
