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
#include "core/thread_pool.h"
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
  using Reply = std::function<void(Response)>;

  const Router& router;
  Steps steps;
  ThreadPool* blocking;
  metrics::Registry* metrics;
  const Clock& clock;
  PipelineOptions options;
  log::AccessLog access_log;

  // Runs the steps from `next` on, then the handler. `on_pool`: this thread
  // may block. A hop to the pool resumes at the step that asked for it, so
  // no step runs twice.
  void proceed(Request& req, const Route& route, Reply reply, bool on_pool, size_t next);
  void hop(Request& req, const Route& route, Reply reply, size_t next);

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

Pipeline::Pipeline(const Router& router, Steps steps, metrics::Registry* metrics,
                   const Clock& clock, PipelineOptions options, ThreadPool* blocking)
    : impl_(std::make_unique<Impl>(Impl{router, std::move(steps), blocking, metrics, clock, options,
                                        log::AccessLog(options.access_log ? 1 : -1)})) {}

namespace {
Steps api_steps(Authenticator* auth, Admission* admission) {
  Steps steps{authenticate_step(auth)};
  if (admission) steps.push_back(admission_step(*admission));
  return steps;
}
}  // namespace

Pipeline::Pipeline(const Router& router, Authenticator* auth, metrics::Registry* metrics, const Clock& clock,
                   PipelineOptions options, Admission* admission, ThreadPool* blocking)
    : Pipeline(router, api_steps(auth, admission), metrics, clock, std::move(options), blocking) {}
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
    if (req.trace.valid()) {
      line += ",\"trace_id\":\"";
      line += req.trace.trace_id();
      line += "\",\"span_id\":\"";
      line += req.trace.span_id();
      line += '"';
    }
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
  std::string_view traceparent = req.header("traceparent");
  // tracestate means nothing without a traceparent: most requests skip that scan.
  req.trace = continue_or_start(traceparent, traceparent.empty() ? std::string_view() : req.header("tracestate"));

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
    // Callers that trace get their trace back with our span; others have X-Request-Id.
    if (req.trace.has_parent) r.headers.emplace_back("traceresponse", req.trace.traceparent());
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
  impl_->proceed(req, route, std::move(reply), impl_->blocking == nullptr, 0);
}

void Pipeline::Impl::proceed(Request& req, const Route& route, Reply reply, bool on_pool, size_t next) {
  try {
    const Steps& list = route.steps ? *route.steps : steps;
    for (; next < list.size(); ++next) {
      switch (list[next]->run(req, route, reply, on_pool)) {
        case Step::Outcome::kNext: continue;
        case Step::Outcome::kAnswered: return;
        case Step::Outcome::kNeedsPool: return hop(req, route, std::move(reply), next);
      }
    }
    if (route.endpoint.run == Run::kBlocking && !on_pool) return hop(req, route, std::move(reply), next);
    route.endpoint.handler(req, reply);
  } catch (const std::exception& e) {
    // A throw is a bug; the client gets a problem, the log the detail.
    spdlog::error("request {} (trace {}) {} {}: handler threw: {}", req.request_id, req.trace.trace_id(), req.method,
                  route.pattern, e.what());
    reply(problem(Status::internal("internal error"), req.request_id));
  } catch (...) {
    spdlog::error("request {} {} {}: handler threw a non-std exception", req.request_id, req.method, route.pattern);
    reply(problem(Status::internal("internal error"), req.request_id));
  }
}

void Pipeline::Impl::hop(Request& req, const Route& route, Reply reply, size_t next) {
  // The Request stays valid until reply runs (server contract), so the task
  // may hold it by reference.
  Submitted s = blocking->submit(
      [this, &req, &route, reply, next]() mutable { proceed(req, route, std::move(reply), true, next); });
  if (s == Submitted::kQueued) return;
  Response r = s == Submitted::kFull
                   ? problem(503, "overloaded", "Server overloaded",
                             "too many requests are waiting for a blocking thread; retry shortly", req.request_id)
                   : problem(Status::unavailable("server is shutting down"), req.request_id);
  r.headers.emplace_back("Retry-After", "1");
  reply(std::move(r));
}

}  // namespace sb::http
