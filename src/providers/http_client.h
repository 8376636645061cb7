// A blocking HTTPS client for provider APIs (libcurl easy handles, one per
// call), with the status mapping every HTTP provider shares:
//   2xx ok · 408/429/5xx and transport errors/timeouts -> Unavailable (retryable)
//   401/403 -> PermissionDenied · other 4xx -> InvalidArgument.
// Error messages carry the provider name, status and a short excerpt of the
// response body, never request headers (they hold the credentials).
//
// Thread-safe: nothing is shared between calls.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/result.h"

namespace sb::config { class ConfigService; }

namespace sb::providers {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpTimeouts {
  Millis connect{5'000};
  Millis total{15'000};
};

struct HttpRequest {
  std::string method = "POST";
  std::string url;
  HeaderList headers;
  std::string body;
  std::optional<std::pair<std::string, std::string>> basic_auth;  // user, password
  HttpTimeouts timeouts;
  // Ask for HTTP/2 (APNs accepts nothing else). libcurl's
  // CURL_HTTP_VERSION_2TLS: h2 negotiated by ALPN on https://, HTTP/1.1 on
  // plain http:// — which is what lets the tests' HTTP/1.1 stand-in play
  // APNs without a test-only switch.
  bool http2 = false;
};

struct HttpResponse {
  long status = 0;
  HeaderList headers;  // names lower-cased
  std::string body;
  // First value of `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

// curl_global_init, once per process (every curl user here calls it first).
void curl_init_once();
// Whether the linked libcurl can speak HTTP/2 (built with nghttp2).
bool curl_has_http2();

// Performs the request. Only a transport failure is an error here
// (Unavailable naming `provider`); HTTP statuses are for check_status.
Result<HttpResponse> http_send(std::string_view provider, const HttpRequest& req);
// Maps a response to Status per the table above.
Status check_status(std::string_view provider, const HttpResponse& resp);

// application/x-www-form-urlencoded; repeated names are kept in order.
std::string form_encode(const HeaderList& fields);
// base URL without trailing slashes.
std::string trim_slash(std::string url);
// Per-channel timeouts from `<channel>.connect_timeout_ms` / `<channel>.timeout_ms`.
HttpTimeouts timeouts_from(const config::ConfigService& config, const std::string& channel);
// Check for URL keys (providers/keys.h): http:// or https:// URL.
std::optional<std::string> check_http_url(std::string_view url);

}  // namespace sb::providers
