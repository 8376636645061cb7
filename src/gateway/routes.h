// gateway routes — what the reverse proxy serves, as read from the runtime
// config key `gateway.routes` (a JSON array, docs/gateway.md). parse_routes
// validates the whole array at once: a bad route, two routes that overlap
// (same host, same path prefix, a method in common) or a route under one of
// Switchboard's own prefixes refuses the change, and the error names the
// field as a JSON pointer ("/0/match/path_prefix"), so the running routes
// stay as they were.
//
// Values only; immutable once parsed, safe to share across threads.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "resilience/rate_limiter.h"

namespace sb::gateway {

// An upstream instance: where one attempt goes.
struct Target {
  std::string host;
  int port = 0;
  std::string base_path;  // prepended to the forwarded path ("" or "/api")
  // "host:port": the instance's identity for ejection and least-requests.
  std::string key() const { return host + ":" + std::to_string(port); }
  bool operator==(const Target&) const = default;
};

enum class Balance { kRoundRobin, kLeastRequests, kHashHeader };
enum class Auth { kNone, kRequired };
enum class RateKey { kIp, kUser };

// When an instance is taken out of rotation (outlier ejection): after
// `consecutive_failures` 5xx answers, connect failures or timeouts in a row,
// for base_ejection_ms · 2^(n-1) (capped at max_ejection_ms) on its n-th
// ejection; n decays by one per base_ejection_ms spent back in rotation.
struct OutlierPolicy {
  int consecutive_failures = 5;
  int64_t base_ejection_ms = 30'000;
  int64_t max_ejection_ms = 300'000;
};

struct Route {
  std::string name;
  // ---- match
  std::string host;                  // "" = any host; else exact (case-insensitive, port ignored)
  std::string path_prefix;           // "/orders": /orders and /orders/…, never /orders-x; "/" = all
  std::vector<std::string> methods;  // upper case; empty = every method
  // ---- upstream: a registry service (healthy instances) or static URLs
  std::string service;
  std::vector<Target> urls;
  bool strip_prefix = false;  // /orders/1 -> /1 upstream
  std::vector<std::pair<std::string, std::string>> add_headers;  // names lower case
  std::vector<std::string> remove_headers;                       // lower case
  // ---- policy
  Auth auth = Auth::kNone;
  std::string permission;  // RBAC permission required (implies auth required)
  resilience::RateLimit rate_limit;
  RateKey rate_key = RateKey::kIp;
  int64_t timeout_ms = 15'000;        // one attempt, connect to last byte
  int retries = 1;                    // further attempts on another instance
  bool retry_non_idempotent = false;  // PATCH may be retried; POST never is
  int64_t max_body_bytes = 10 << 20;  // the largest response body relayed (buffered)
  Balance balance = Balance::kRoundRobin;
  std::string hash_header;  // kHashHeader: the request header hashed (lower case)
  OutlierPolicy outlier;

  // The path the upstream sees for `path` (which matched this route).
  std::string upstream_path(std::string_view path, const Target& target) const;
  bool matches_path(std::string_view path) const;
  bool matches_method(std::string_view method) const;
  // Whether a failed attempt of `method` may be repeated on another instance.
  bool may_retry(std::string_view method) const;
};

// Prefixes Switchboard serves itself; a route under (or above) one is refused.
inline constexpr std::string_view kReservedPrefixes[] = {"/v1", "/api", "/ui", "/.well-known",
                                                         "/health", "/ready", "/metrics"};

// The reserved prefix `path` is under, if any.
std::optional<std::string_view> reserved_prefix_of(std::string_view path);

// Parses `gateway.routes`. InvalidArgument with one FieldError per problem,
// each naming its JSON pointer.
Result<std::vector<Route>> parse_routes(const boost::json::value& value);

// "http://host[:port][/base]" -> Target; InvalidArgument naming `field`.
Result<Target> parse_upstream_url(std::string_view url, const std::string& field);

}  // namespace sb::gateway
