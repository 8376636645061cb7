// Which headers cross the gateway, each way. Towards the upstream: the
// client's headers minus hop-by-hop ones (RFC 9110 §7.6.1, and any the
// Connection header names), minus every copy of the identity headers the
// gateway owns (a client must never choose its own X-User-Id), minus the
// route's removals; then the route's additions and the identity the gateway
// verified. Towards the client: the upstream's minus hop-by-hop and framing
// headers (the server frames the answer itself).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "gateway/routes.h"

namespace sb::gateway {

using Headers = std::vector<std::pair<std::string, std::string>>;

// What the gateway vouches for on each forwarded request.
struct ForwardedIdentity {
  std::string user_id;                  // "" when the caller is anonymous or an admin key
  std::vector<std::string> roles;       // the token's roles
  std::string principal;                // "user:<id>", "admin-key:<id>", "" = anonymous
  std::string request_id;
  std::string traceparent;              // this request's span, for the upstream to continue
  std::string client_ip;
  std::string host;                     // the Host the client asked for
};

// `client`: names lower case (http::Request). Sets X-User-Id, X-User-Roles,
// X-Auth-Principal (only when known), X-Request-Id, traceparent and
// X-Forwarded-For/-Host/-Proto.
Headers upstream_request_headers(const Headers& client, const Route& route, const ForwardedIdentity& who);

// The upstream's answer headers as the client gets them.
Headers client_response_headers(const Headers& upstream);

// True for the headers the gateway sets itself (case-insensitive).
bool is_identity_header(std::string_view lower_name);

}  // namespace sb::gateway
