// gateway::Gateway — the reverse proxy's decisions, without any I/O: which
// route a request takes (RouteTable, swapped atomically when
// `gateway.routes` changes), which upstream instance one attempt goes to
// (load balancing over the route's static URLs or the registry's healthy
// instances, skipping ejected ones), and what each attempt's outcome does
// to that instance (OutlierDetector). The bytes are moved by
// http::UpstreamClient; api/gateway_api.cpp joins the two.
//
// Thread-safe: routes() hands out an immutable snapshot; a request keeps
// the snapshot it matched until it is answered, while a config change
// installs the next one.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "gateway/outlier_detector.h"
#include "gateway/routes.h"

namespace sb::gateway {

// The routes of one `gateway.routes` value, longest prefix first.
class RouteTable {
 public:
  explicit RouteTable(std::vector<Route> routes);

  struct Match {
    const Route* route = nullptr;
    size_t index = 0;          // position in routes()
    bool path_known = false;   // some route has the path (405 rather than 404)
  };
  // `host` as sent (a port is ignored); `path` decoded.
  Match match(std::string_view host, std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }
  // The route's round-robin position, advanced once per call.
  uint64_t next_turn(size_t index) const;

 private:
  std::vector<Route> routes_;
  std::unique_ptr<std::atomic<uint64_t>[]> turns_;
};

class Gateway {
 public:
  // Healthy instances of a registry service (discovery::Registry::healthy,
  // adapted by the caller so this module does not need the registry).
  using Resolver = std::function<std::vector<Target>(std::string_view service)>;

  // `resolver` may be null (routes naming a service then have no instances);
  // `metrics` may be null.
  Gateway(const Clock& clock, Resolver resolver, metrics::Registry* metrics = nullptr);

  // Parses and installs `gateway.routes`. On error (InvalidArgument naming
  // the field) the running table stays.
  Status apply(const boost::json::value& routes);
  std::shared_ptr<const RouteTable> routes() const;

  // The instance for one attempt of `route` (index `index` in `table`):
  // healthy (registry) and not ejected, preferring instances not in `tried`.
  // `hash_value`: the route's hash header's value for consistent hashing.
  // Unavailable (naming the upstream) when no instance can take it.
  Result<Target> choose(const RouteTable& table, size_t index, std::string_view hash_value,
                        const std::vector<std::string>& tried) const;
  // An attempt to `target` starts / finished; `failed`: 5xx, connect
  // failure or timeout. Ejections follow the route's policy.
  void begin(const Target& target) { outliers_.begin(target.key()); }
  void finish(const Route& route, const Target& target, bool failed);

  const OutlierDetector& outliers() const { return outliers_; }
  // "service orders" / "http://127.0.0.1:9001" — how problems name an upstream.
  static std::string upstream_name(const Route& route);

 private:
  Resolver resolver_;
  OutlierDetector outliers_;
  mutable std::mutex mu_;
  std::shared_ptr<const RouteTable> table_;  // guarded by mu_ (swapped whole)
};

}  // namespace sb::gateway
