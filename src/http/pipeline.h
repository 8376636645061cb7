// Pipeline: what every request goes through between the socket and its
// handler, in order — request id (X-Request-Id honoured or generated), W3C
// trace context (traceparent continued or started), routing (404/405), the
// route table's steps (for the API: authentication for non-public routes,
// 401; authorization against the route's permission, 403; rate limits,
// 429), the handler. Once the response
// is written the server calls finish() on its io thread for the access log
// line and the request metrics. Socket-level limits (body, header, idle
// time) are enforced earlier by the server.
//
// Execution: the pipeline is the one place that moves a request off its io
// thread. A route marked Run::kBlocking, or a credential/permission that is
// not cached, continues on the blocking pool; when the pool's queue is full
// the answer is 503 problem+json with Retry-After. Every step and handler,
// on whichever thread, runs inside one exception boundary: a throw becomes
// a 500 problem+json carrying the request id, and a log line.
//
// Thread-safe; one Pipeline serves every io thread. The Request passed to a
// handler stays valid until its Respond is called.
#pragma once

#include <memory>
#include <optional>
#include <vector>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "http/message.h"
#include "http/router.h"

namespace sb::metrics { class Registry; }
namespace sb { class ThreadPool; }

namespace sb::http {

// Who a credential belongs to.
struct Principal {
  std::string name;        // for logs and audit: "admin-key:<id>", "user:<id>"
  std::string user_id;     // empty for admin keys
  std::string session_id;  // the user's session, if any
  int64_t auth_time = 0;   // Unix seconds the user signed in (JWT auth_time); 0 for admin keys
  std::vector<std::string> roles;  // the token's roles (the gateway's X-User-Roles); empty for admin keys
};

// Credentials and permissions. The *_cached variants run on io threads and
// must not block: they answer from memory, or return nullopt when only a
// Db read can tell (a cache miss); the pipeline then calls the blocking
// variant on the blocking pool, which fills the cache for the next request.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  virtual std::optional<Result<Principal>> authenticate_cached(const Request&) { return std::nullopt; }
  // The principal behind the request's credential, or Unauthenticated.
  virtual Result<Principal> authenticate(const Request& req) = 0;
  virtual std::optional<Status> authorize_cached(const Principal&, const std::string&) { return std::nullopt; }
  // OK when `who` holds `permission`; PermissionDenied otherwise.
  virtual Status authorize(const Principal& who, const std::string& permission) = 0;
};

// Rate limits. Called after authentication (so per-user rules can apply) and
// before the handler; adds its headers (RateLimit-*) to `headers`, which the
// pipeline puts on the response. ResourceExhausted rejects the request (429,
// with the headers, including Retry-After).
class Admission {
 public:
  virtual ~Admission() = default;
  virtual Status admit(const Request& req, const Route& route,
                       std::vector<std::pair<std::string, std::string>>& headers) = 0;
};

// One step between routing and the handler, composed per route table: the
// API uses [authenticate, rate limits]; static files use none; gateway
// routes will add their own (circuit breaker, upstream selection).
// `reply` may be wrapped (a step that adds headers to every answer) or
// called (the step answers and the request ends there).
class Step {
 public:
  enum class Outcome {
    kNext,      // go on to the next step / the handler
    kAnswered,  // the step called reply
    kNeedsPool, // !may_block and only a blocking call can decide: rerun on the pool
  };
  using Reply = std::function<void(Response)>;
  virtual ~Step() = default;
  virtual Outcome run(Request& req, const Route& route, Reply& reply, bool may_block) = 0;
  // True for the step that checks credentials and permissions: a guarded
  // route's own step list must contain one.
  virtual bool authenticates() const { return false; }
};

// 401 without a valid credential on routes that need one, 403 without the
// route's permission; fills req.principal/user_id/session_id/auth_time.
// `auth` may be null: every guarded route is then a 401.
std::shared_ptr<Step> authenticate_step(Authenticator* auth);
// 429 when `admission` refuses; its RateLimit-* headers go on every answer.
std::shared_ptr<Step> admission_step(Admission& admission);

struct PipelineOptions {
  bool access_log = true;
  // Reverse proxies whose X-Forwarded-For is believed (exact peer IPs). When
  // the peer is one of them, the client IP (rate limits, logs, events) is the
  // rightmost X-Forwarded-For address that is not itself a trusted proxy.
  std::vector<std::string> trusted_proxies;
};

// The client address for a request from `peer` carrying `forwarded_for`
// (the X-Forwarded-For value, may be empty). Exposed for tests.
std::string client_ip(const std::string& peer, std::string_view forwarded_for,
                      const std::vector<std::string>& trusted_proxies);

class Pipeline {
 public:
  // Request id, trace context, routing, `steps` in order, the handler.
  Pipeline(const Router& router, Steps steps, metrics::Registry* metrics,
           const Clock& clock, PipelineOptions options = {}, ThreadPool* blocking = nullptr);
  // The API's steps: authenticate_step(auth), then admission_step when given.
  // `admission` may be null (no rate limits). `blocking` may be null: every
  // step then runs on the calling thread (tests without a pool).
  Pipeline(const Router& router, Authenticator* auth, metrics::Registry* metrics,
           const Clock& clock, PipelineOptions options = {}, Admission* admission = nullptr,
           ThreadPool* blocking = nullptr);
  ~Pipeline();
  void handle(Request& req, Respond respond);
  // Access log + metrics for one finished request (also for responses the
  // server builds itself: 413, 431, 400). Call on an io thread.
  void finish(const Request& req, int status, int64_t start_us);
  // Writes the calling io thread's buffered access-log lines.
  void flush_access_log();
  static int64_t now_us();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::http
