// Router: the route table (method, path pattern with {params}, handler,
// access). Matching is by path segments; a path that exists with another
// method is a 405 with Allow. Not thread-safe to mutate; immutable once the
// server starts.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "http/message.h"

namespace sb::http {

class Step;
using Steps = std::vector<std::shared_ptr<Step>>;

enum class Access {
  kPublic,         // /health, /ready, /metrics, /.well-known/…, sign-in routes
  kOptional,       // public, but a credential, if sent, must be valid and identifies the caller
  kAuthenticated,  // any valid credential (the caller's own account: /v1/auth/me)
  kPermission,     // a credential whose principal holds Route::permission
};

// Where a route's handler runs. kIo: on the io thread that read the request
// — only for handlers that never block (memory reads, or that hand their
// work to another thread themselves, like publish to the group commit).
// kBlocking: on the blocking pool, for anything that waits on the Db, a
// provider or Argon2id. The pipeline does the hop; handlers never submit.
enum class Run { kIo, kBlocking };

struct Endpoint {
  Handler handler;
  Run run = Run::kIo;

  template <class F>
    requires std::is_convertible_v<F, Handler>
  Endpoint(F&& f, Run r = Run::kIo) : handler(std::forward<F>(f)), run(r) {}  // NOLINT: implicit on purpose
};

struct Route {
  std::string method;
  // "/v1/events/{id}"; used as the metrics label. A last segment "*"
  // matches any tail, including none ("/ui/*": /ui, /ui/, /ui/a/b.js); the
  // tail, percent-decoded, is params["*"]. Exact patterns win over tails,
  // and a longer tail prefix over a shorter one.
  std::string pattern;
  Endpoint endpoint;
  Access access = Access::kPermission;
  std::string permission;  // "resource:action" for kPermission
  std::string rate_group;  // rate-limit rules that apply ("auth.login"); empty = the default group
  // Narrows `permission` per request: when set and it returns a non-empty
  // scope, the caller needs "<permission>:<scope>" (access/permission.h), so
  // "config:read:app.*" can read app.* keys and nothing else.
  std::string (*scope)(const Request& req) = nullptr;
  // The steps between routing and the handler for this route; null = the
  // pipeline's own (for the API: authenticate, rate limits). A route table
  // with other needs sets one list on all its rows: static files none, a
  // gateway its own (which must authenticate if its routes are guarded:
  // api::check_routes refuses to start otherwise).
  std::shared_ptr<const Steps> steps;
};

struct Match {
  const Route* route = nullptr;     // null: no route for this method
  bool path_exists = false;         // some method matches the path (405 vs 404)
  std::string allow;                // methods for the Allow header
};

class Router {
 public:
  void add(Route route);
  Match match(const std::string& method, const std::string& path,
              std::map<std::string, std::string>& params) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Compiled {
    Route route;
    std::vector<std::string> segments;  // "{x}" marks a parameter; a tail route's "*" is not kept
    std::vector<bool> is_param;         // per segment
    bool tail = false;
  };
  std::vector<Route> routes_;
  std::vector<Compiled> compiled_;
  // Indexes into compiled_ by segment count: a request only compares
  // against routes of its own length, in declaration order.
  std::vector<std::vector<size_t>> by_length_;
  std::vector<size_t> tails_;  // tail routes, longest prefix first
};

}  // namespace sb::http
