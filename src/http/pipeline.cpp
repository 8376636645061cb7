#include "http/pipeline.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <chrono>
#include <unordered_map>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/log.h"
#include "core/metrics.h"
#include "http/problem.h"

namespace sb::http {
namespace {

int64_t now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':'))
      return false;
  return true;
}

}  // namespace

struct Pipeline::Impl {
  const Router& router;
  Authenticator* auth;
  metrics::Registry* metrics;
  const Clock& clock;
  PipelineOptions options;

  // Series lookups go through the registry's mutex once per (route, method,
  // status) per thread; after that the hot path is an atomic add.
  struct Series {
    metrics::Counter* requests;
    metrics::Histogram* latency;
  };
  Series series(const std::string& route, const std::string& method, int status) {
    thread_local std::unordered_map<std::string, Series> cache;
    thread_local const void* owner = nullptr;
    if (owner != this) {
      cache.clear();
      owner = this;
    }
    std::string key = route;
    key += ' ';
    key += method;
    key += ' ';
    key += std::to_string(status);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    Series s{&metrics->counter("sb_http_requests_total", "HTTP requests by route, method and status.",
                               {{"method", method}, {"route", route}, {"status", std::to_string(status)}}),
             &metrics->histogram("sb_http_request_duration_seconds", "HTTP request latency.",
                                 {{"method", method}, {"route", route}})};
    cache.emplace(std::move(key), s);
    return s;
  }

  void finish(const Request& req, const std::string& route, int status, int64_t start_us) {
    int64_t dur_us = now_us() - start_us;
    if (metrics) {
      Series s = series(route, req.method, status);
      s.requests->inc();
      s.latency->observe(static_cast<double>(dur_us) / 1e6);
    }
    if (options.access_log) {
      boost::json::object line{{"time", format_rfc3339(clock.now_ms())},
                               {"request_id", req.request_id},
                               {"method", req.method},
                               {"path", req.path},
                               {"route", route},
                               {"status", status},
                               {"duration_ms", static_cast<double>(dur_us) / 1000.0},
                               {"remote", req.remote_ip}};
      if (!req.principal.empty()) line["principal"] = req.principal;
      log::access().info(boost::json::serialize(line));
    }
  }
};

Pipeline::Pipeline(const Router& router, Authenticator* auth, metrics::Registry* metrics,
                   const Clock& clock, PipelineOptions options)
    : impl_(std::make_unique<Impl>(Impl{router, auth, metrics, clock, options})) {}
Pipeline::~Pipeline() = default;

void Pipeline::record(const Request& req, const std::string& route, int status, int64_t start_us) {
  impl_->finish(req, route, status, start_us);
}

void Pipeline::handle(Request& req, Respond respond) {
  int64_t start = now_us();
  std::string_view given = req.header("x-request-id");
  req.request_id = valid_request_id(given) ? std::string(given) : new_uuid_v7(impl_->clock);

  Match m = impl_->router.match(req.method, req.path, req.params);
  auto reply = [this, &req, start, respond = std::move(respond)](const std::string& route, Response r) {
    r.headers.emplace_back("X-Request-Id", req.request_id);
    impl_->finish(req, route, r.status, start);
    respond(std::move(r));
  };
  if (!m.route) {
    if (m.path_exists) {
      Response r = problem(405, "method-not-allowed", "Method not allowed",
                           req.method + " is not supported on " + req.path, req.request_id);
      r.headers.emplace_back("Allow", m.allow);
      reply("unmatched", std::move(r));
    } else {
      reply("unmatched", problem(404, "not-found", "Not found", "no route for " + req.path, req.request_id));
    }
    return;
  }
  const Route& route = *m.route;
  if (route.access != Access::kPublic) {
    if (!impl_->auth) {
      reply(route.pattern, problem(Status::unauthenticated("no authenticator configured"), req.request_id));
      return;
    }
    auto who = impl_->auth->authenticate(req);
    if (!who.ok()) {
      reply(route.pattern, problem(who.status(), req.request_id));
      return;
    }
    req.principal = *who;
  }
  try {
    route.handler(req, [reply, pattern = route.pattern](Response r) mutable { reply(pattern, std::move(r)); });
  } catch (const std::exception& e) {
    // A handler that throws is a bug; the client still gets a problem, the log the detail.
    spdlog::error("handler {} threw: {}", route.pattern, e.what());
    reply(route.pattern, problem(Status::internal(e.what()), req.request_id));
  }
}

}  // namespace sb::http
