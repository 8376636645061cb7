// The gateway's request path: route match, per-route authentication,
// permission and rate limit, then attempts against upstream instances with
// retries (idempotent methods only, unless the route allows PATCH; POST is
// never sent twice) and outlier accounting, and the answer relayed.
#include <spdlog/spdlog.h>

#include "api/gateway_api.h"
#include "gateway/forward_headers.h"
#include "http/problem.h"
#include "http/upstream_client.h"
#include "resilience/rate_limiter.h"

namespace sb::api {

using http::Response;
using http::Step;
using http::UpstreamFailure;

namespace {

// "/a/./b", "/a/../b": a route prefix must not be escaped by dot segments
// that the upstream would resolve after our match (/public/../admin).
bool has_dot_segment(std::string_view path) {
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i + 1);
    std::string_view seg = path.substr(i + 1, (j == std::string_view::npos ? path.size() : j) - i - 1);
    if (seg == "." || seg == "..") return true;
    if (j == std::string_view::npos) break;
    i = j;
  }
  return false;
}

struct ProxyCall {
  const GatewayDeps& deps;
  std::shared_ptr<const gateway::RouteTable> table;  // the snapshot matched, kept until answered
  size_t index;
  http::Request& req;  // valid until reply runs
  Step::Reply reply;
  gateway::Headers headers;
  std::string path;  // as the client sent it (not decoded), no query
  std::vector<std::string> tried;
  int retries_left;

  const gateway::Route& route() const { return table->routes()[index]; }
};

Response upstream_problem(const ProxyCall& call, const gateway::Target& target, const http::UpstreamResult& r) {
  std::string detail = gateway::Gateway::upstream_name(call.route()) + " (instance " + target.key() + "): " + r.detail;
  if (r.failure == UpstreamFailure::kTimeout)
    return http::problem(504, "upstream-timeout", "Upstream timed out", detail, call.req.request_id);
  return http::problem(502, "bad-gateway", "Bad gateway", detail, call.req.request_id);
}

void attempt(std::shared_ptr<ProxyCall> call) {
  const gateway::Route& route = call->route();
  std::string_view hash_value = route.hash_header.empty() ? std::string_view() : call->req.header(route.hash_header);
  auto target = call->deps.gateway->choose(*call->table, call->index, hash_value, call->tried);
  if (!target.ok()) {
    Response r = http::problem(503, "upstream-unavailable", "Upstream unavailable", target.status().message(),
                               call->req.request_id);
    r.headers.emplace_back("Retry-After", "1");
    return call->reply(std::move(r));
  }
  call->tried.push_back(target->key());
  http::UpstreamRequest up;
  up.host = target->host;
  up.port = target->port;
  up.method = call->req.method;
  up.target = route.upstream_path(call->path, *target);
  if (!call->req.query.empty()) up.target += "?" + call->req.query;
  up.headers = call->headers;
  up.body = call->req.body;
  up.timeout_ms = route.timeout_ms;
  up.max_response_bytes = static_cast<size_t>(route.max_body_bytes);
  up.idempotent = route.may_retry(up.method);
  call->deps.gateway->begin(*target);
  call->deps.client->send(std::move(up), [call, target = *target](http::UpstreamResult r) {
    const gateway::Route& route = call->route();
    bool failed = r.ok() ? r.status >= 500 : r.failure != UpstreamFailure::kTooLarge;
    call->deps.gateway->finish(route, target, failed);
    // Nothing reached an upstream on a connect failure, so any method may
    // go elsewhere; after that only methods safe to repeat.
    bool may_repeat = r.failure == UpstreamFailure::kConnect || route.may_retry(call->req.method);
    if (failed && may_repeat && call->retries_left > 0) {
      --call->retries_left;
      return attempt(call);
    }
    if (!r.ok()) {
      spdlog::warn("gateway route {}: {} {}: {}", route.name, call->req.method, target.key(), r.detail);
      return call->reply(upstream_problem(*call, target, r));
    }
    Response out;
    out.status = r.status;
    out.headers = gateway::client_response_headers(r.headers);
    out.body = std::move(r.body);
    call->reply(std::move(out));
  });
}

class GatewayStep final : public Step {
 public:
  explicit GatewayStep(const GatewayDeps& deps) : deps_(deps) {}
  bool authenticates() const override { return true; }

  Outcome run(http::Request& req, const http::Route&, Reply& reply, bool may_block) override {
    if (gateway::reserved_prefix_of(req.path))
      return answer(reply, http::problem(404, "not-found", "Not found", "no route for " + req.path, req.request_id));
    if (has_dot_segment(req.path))
      return answer(reply, http::problem(Status::invalid("path", "must not contain . or .. segments"), req.request_id));
    auto table = deps_.gateway->routes();
    auto m = table->match(req.header("host"), req.method, req.path);
    if (!m.route) {
      return answer(reply, m.path_known ? http::problem(405, "method-not-allowed", "Method not allowed",
                                                        req.method + " is not routed for " + req.path, req.request_id)
                                        : http::problem(404, "not-found", "Not found",
                                                        "no gateway route for " + req.path, req.request_id));
    }
    const gateway::Route& route = *m.route;
    http::Principal who;
    if (route.auth == gateway::Auth::kRequired) {
      auto verified = verify_caller(*deps_.auth, req, route.permission, may_block);
      if (!verified) return Outcome::kNeedsPool;
      if (!verified->ok()) {
        Response r = http::problem(verified->status(), req.request_id);
        if (verified->status().code() == Code::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
        return answer(reply, std::move(r));
      }
      who = std::move(**verified);
      req.principal = who.name;  // the access log names the caller
      req.user_id = who.user_id;
    }
    if (route.rate_limit.enabled()) {
      std::string_view key = route.rate_key == gateway::RateKey::kUser ? std::string_view(who.name) : req.remote_ip;
      auto decision = deps_.limiter->take("gateway." + route.name, route.rate_limit, key);
      auto headers = resilience::rate_limit_headers(decision);
      if (!decision.allowed) {
        Response r = http::problem(Status::exhausted("rate limit of route " + route.name, decision.retry_after_ms),
                                   req.request_id);
        for (auto& h : headers) r.set_header(std::move(h.first), std::move(h.second));
        return answer(reply, std::move(r));
      }
      reply = [inner = std::move(reply), hs = std::move(headers)](Response r) mutable {
        for (auto& h : hs) r.headers.push_back(std::move(h));
        inner(std::move(r));
      };
    }
    if (static_cast<int64_t>(req.body.size()) > route.max_body_bytes)
      return answer(reply, http::problem(413, "payload-too-large", "Payload too large",
                                         "route " + route.name + " takes at most " +
                                             std::to_string(route.max_body_bytes) + " bytes",
                                         req.request_id));
    gateway::ForwardedIdentity id{who.user_id, who.roles, who.name, req.request_id, req.trace.traceparent(),
                                  req.remote_ip, std::string(req.header("host"))};
    std::string raw_path = req.target.substr(0, req.target.find('?'));
    // Matching used the decoded path; the upstream gets the bytes the client
    // sent unless decoding changed the part a rewrite cuts.
    if (!raw_path.starts_with(route.path_prefix == "/" ? "" : route.path_prefix)) raw_path = req.path;
    auto call = std::make_shared<ProxyCall>(ProxyCall{deps_, table, m.index, req, std::move(reply),
                                                      gateway::upstream_request_headers(req.headers, route, id),
                                                      std::move(raw_path), {}, route.retries});
    attempt(std::move(call));
    return Outcome::kAnswered;
  }

 private:
  static Outcome answer(Reply& reply, Response r) {
    reply(std::move(r));
    return Outcome::kAnswered;
  }
  const GatewayDeps& deps_;
};

}  // namespace

std::shared_ptr<Step> gateway_step(const GatewayDeps& deps) { return std::make_shared<GatewayStep>(deps); }

}  // namespace sb::api
