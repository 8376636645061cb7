#include "http/pipeline.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <unordered_map>

#include "core/access_log.h"
#include "core/ids.h"
#include "core/json.h"
#include "core/metrics.h"
#include "http/problem.h"

namespace sb::http {
namespace {

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ':'))
      return false;
  return true;
}

// RFC 3339 time for the access log; the formatted second is cached per thread.
void append_time(std::string& out, int64_t unix_ms) {
  thread_local int64_t cached_sec = -1;
  thread_local std::string cached;
  int64_t sec = unix_ms / 1000;
  if (sec != cached_sec) {
    cached = format_rfc3339(sec * 1000);
    cached.resize(cached.size() - 5);  // drop ".000Z"
    cached_sec = sec;
  }
  int ms = static_cast<int>(unix_ms % 1000);
  out += cached;
  char frac[6] = {'.', static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                  static_cast<char>('0' + ms % 10), 'Z', 0};
  out += frac;
}

}  // namespace

std::string client_ip(const std::string& peer, std::string_view forwarded_for,
                      const std::vector<std::string>& trusted) {
  auto is_trusted = [&](std::string_view ip) { return std::find(trusted.begin(), trusted.end(), ip) != trusted.end(); };
  if (forwarded_for.empty() || !is_trusted(peer)) return peer;
  // Walk from the right: each hop appended the address it saw. The first
  // address not added by one of our proxies is the client; anything to its
  // left was written by the client and cannot be believed.
  std::string_view rest = forwarded_for;
  while (!rest.empty()) {
    size_t comma = rest.rfind(',');
    std::string_view hop = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    while (!hop.empty() && hop.front() == ' ') hop.remove_prefix(1);
    while (!hop.empty() && hop.back() == ' ') hop.remove_suffix(1);
    if (hop.empty()) continue;
    if (!is_trusted(hop)) return std::string(hop);
  }
  return peer;
}

int64_t Pipeline::now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count();
}

struct Pipeline::Impl {
  const Router& router;
  Authenticator* auth;
  Admission* admission;
  metrics::Registry* metrics;
  const Clock& clock;
  PipelineOptions options;
  log::AccessLog access_log;

  // Series lookups go through the registry's mutex once per (route, method,
  // status) per thread; after that the hot path is an atomic add.
  struct Series {
    metrics::Counter* requests;
    metrics::Histogram* latency;
  };
  Series series(std::string_view route, const std::string& method, int status) {
    thread_local std::unordered_map<std::string, Series> cache;
    thread_local const void* owner = nullptr;
    if (owner != this) {
      cache.clear();
      owner = this;
    }
    thread_local std::string key;
    key.assign(route);
    key += ' ';
    key += method;
    key += ' ';
    key += static_cast<char>('0' + status / 100);
    key += static_cast<char>('0' + status / 10 % 10);
    key += static_cast<char>('0' + status % 10);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    Series s{&metrics->counter("sb_http_requests_total", "HTTP requests by route, method and status.",
                               {{"method", method}, {"route", std::string(route)}, {"status", std::to_string(status)}}),
             &metrics->histogram("sb_http_request_duration_seconds", "HTTP request latency.",
                                 {{"method", method}, {"route", std::string(route)}})};
    cache.emplace(key, s);
    return s;
  }
};

Pipeline::Pipeline(const Router& router, Authenticator* auth, metrics::Registry* metrics,
                   const Clock& clock, PipelineOptions options, Admission* admission)
    : impl_(std::make_unique<Impl>(Impl{router, auth, admission, metrics, clock, options,
                                        log::AccessLog(options.access_log ? 1 : -1)})) {}
Pipeline::~Pipeline() = default;

void Pipeline::finish(const Request& req, int status, int64_t start_us) {
  int64_t dur_us = now_us() - start_us;
  std::string_view route = req.route.empty() ? std::string_view("unmatched") : req.route;
  if (impl_->metrics) {
    auto s = impl_->series(route, req.method, status);
    s.requests->inc();
    s.latency->observe(static_cast<double>(dur_us) / 1e6);
  }
  if (impl_->access_log.enabled()) {
    thread_local std::string line;
    line.assign("{\"time\":\"");
    append_time(line, impl_->clock.now_ms());
    line += "\",\"request_id\":";
    json::append_quoted(line, req.request_id);
    line += ",\"method\":";
    json::append_quoted(line, req.method);
    line += ",\"path\":";
    json::append_quoted(line, req.path);
    line += ",\"route\":";
    json::append_quoted(line, route);
    char num[32];
    line += ",\"status\":";
    line.append(num, std::to_chars(num, num + sizeof num, status).ptr);
    // Milliseconds with microsecond precision, without printf.
    line += ",\"duration_ms\":";
    line.append(num, std::to_chars(num, num + sizeof num, dur_us / 1000).ptr);
    char us[4] = {'.', static_cast<char>('0' + dur_us % 1000 / 100), static_cast<char>('0' + dur_us % 100 / 10),
                  static_cast<char>('0' + dur_us % 10)};
    line.append(us, 4);
    line += ",\"remote\":";
    json::append_quoted(line, req.remote_ip);
    if (!req.principal.empty()) {
      line += ",\"principal\":";
      json::append_quoted(line, req.principal);
    }
    line += '}';
    impl_->access_log.append(line);
  }
}

void Pipeline::flush_access_log() { impl_->access_log.flush_this_thread(); }

void Pipeline::handle(Request& req, Respond respond) {
  if (!impl_->options.trusted_proxies.empty())
    req.remote_ip = client_ip(req.remote_ip, req.header("x-forwarded-for"), impl_->options.trusted_proxies);
  std::string_view given = req.header("x-request-id");
  req.request_id = valid_request_id(given) ? std::string(given) : new_uuid_v7(impl_->clock);

  Match m = impl_->router.match(req.method, req.path, req.params);
  // Respond exactly once, even if a buggy handler both answers and throws.
  struct Once {
    Respond respond;
    std::atomic<bool> done{false};
  };
  auto once = std::make_shared<Once>();
  once->respond = std::move(respond);
  std::function<void(Response)> reply = [&req, once](Response r) {
    if (once->done.exchange(true)) return;
    r.headers.emplace_back("X-Request-Id", req.request_id);
    once->respond(std::move(r));
  };
  if (!m.route) {
    req.route = "unmatched";
    if (m.path_exists) {
      Response r = problem(405, "method-not-allowed", "Method not allowed",
                           req.method + " is not supported on " + req.path, req.request_id);
      r.headers.emplace_back("Allow", m.allow);
      reply(std::move(r));
    } else {
      reply(problem(404, "not-found", "Not found", "no route for " + req.path, req.request_id));
    }
    return;
  }
  const Route& route = *m.route;
  req.route = route.pattern;
  bool wants_auth = route.access == Access::kAuthenticated || route.access == Access::kPermission ||
                    (route.access == Access::kOptional && !req.header("authorization").empty());
  if (wants_auth) {
    if (!impl_->auth) {
      reply(problem(Status::unauthenticated("no authenticator configured"), req.request_id));
      return;
    }
    auto who = impl_->auth->authenticate(req);
    if (!who.ok()) {
      reply(problem(who.status(), req.request_id));
      return;
    }
    if (route.access == Access::kPermission) {
      if (Status st = impl_->auth->authorize(*who, route.permission); !st) {
        reply(problem(st, req.request_id));
        return;
      }
    }
    req.principal = std::move(who->name);
    req.user_id = std::move(who->user_id);
    req.session_id = std::move(who->session_id);
    req.auth_time = who->auth_time;
  }
  if (impl_->admission) {
    std::vector<std::pair<std::string, std::string>> limit_headers;
    Status st = impl_->admission->admit(req, route, limit_headers);
    if (!st) {
      Response r = problem(st, req.request_id);
      // The limiter's Retry-After is the exact one: it replaces problem()'s.
      for (auto& h : limit_headers) r.set_header(std::move(h.first), std::move(h.second));
      reply(std::move(r));
      return;
    }
    if (!limit_headers.empty()) {
      // Every answer to a limited route carries its quota.
      // A handler's own limit (per account, per phone) describes the answer
      // better than the route's: its headers win.
      reply = [inner = std::move(reply), hs = std::move(limit_headers)](Response r) mutable {
        for (auto& h : hs) {
          bool present = false;
          for (auto& [name, value] : r.headers) present |= name == h.first;
          if (!present) r.headers.push_back(h);
        }
        inner(std::move(r));
      };
    }
  }
  try {
    route.handler(req, reply);
  } catch (const std::exception& e) {
    // A handler that throws is a bug; the client gets a problem, the log the detail.
    spdlog::error("handler {} threw: {}", route.pattern, e.what());
    reply(problem(Status::internal(e.what()), req.request_id));
  }
}

}  // namespace sb::http
