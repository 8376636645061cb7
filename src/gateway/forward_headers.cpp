#include "gateway/forward_headers.h"

#include <algorithm>
#include <string_view>

namespace sb::gateway {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

bool in(std::string_view name, std::initializer_list<std::string_view> list) {
  return std::any_of(list.begin(), list.end(), [&](std::string_view n) { return iequals(n, name); });
}

// RFC 9110 §7.6.1 plus the legacy ones proxies still drop.
bool is_hop_by_hop(std::string_view name) {
  return in(name, {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
                   "proxy-authenticate", "proxy-authorization"});
}

// Names listed in the Connection header(s) are hop-by-hop too.
std::vector<std::string> connection_tokens(const Headers& headers) {
  std::vector<std::string> out;
  for (const auto& [name, value] : headers) {
    if (!iequals(name, "connection")) continue;
    size_t i = 0;
    while (i <= value.size()) {
      size_t j = value.find(',', i);
      if (j == std::string::npos) j = value.size();
      std::string_view tok(value.data() + i, j - i);
      while (!tok.empty() && (tok.front() == ' ' || tok.front() == '\t')) tok.remove_prefix(1);
      while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t')) tok.remove_suffix(1);
      if (!tok.empty()) out.emplace_back(tok);
      i = j + 1;
    }
  }
  return out;
}

bool named_in(std::string_view name, const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return iequals(n, name); });
}

}  // namespace

bool is_identity_header(std::string_view name) {
  return in(name, {"x-user-id", "x-user-roles", "x-auth-principal", "x-request-id", "traceparent", "tracestate",
                   "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "forwarded", "x-real-ip"});
}

Headers upstream_request_headers(const Headers& client, const Route& route, const ForwardedIdentity& who) {
  std::vector<std::string> connection = connection_tokens(client);
  Headers out;
  out.reserve(client.size() + 8);
  for (const auto& h : client) {
    const std::string& name = h.first;
    if (is_hop_by_hop(name) || named_in(name, connection) || is_identity_header(name) ||
        in(name, {"host", "content-length", "expect"}) || named_in(name, route.remove_headers))
      continue;
    out.push_back(h);
  }
  for (const auto& add : route.add_headers) {
    if (is_identity_header(add.first)) continue;  // the route cannot vouch for someone either
    out.push_back(add);
  }
  if (!who.user_id.empty()) out.emplace_back("X-User-Id", who.user_id);
  if (!who.principal.empty()) {
    std::string roles;
    for (const auto& r : who.roles) roles += (roles.empty() ? "" : ",") + r;
    out.emplace_back("X-User-Roles", roles);
    out.emplace_back("X-Auth-Principal", who.principal);
  }
  out.emplace_back("X-Request-Id", who.request_id);
  if (!who.traceparent.empty()) out.emplace_back("traceparent", who.traceparent);
  // The client's own X-Forwarded-For is not carried on: the pipeline already
  // resolved the client address through the trusted proxies.
  if (!who.client_ip.empty()) out.emplace_back("X-Forwarded-For", who.client_ip);
  if (!who.host.empty()) out.emplace_back("X-Forwarded-Host", who.host);
  out.emplace_back("X-Forwarded-Proto", "http");
  return out;
}

Headers client_response_headers(const Headers& upstream) {
  std::vector<std::string> connection = connection_tokens(upstream);
  Headers out;
  out.reserve(upstream.size());
  for (const auto& h : upstream) {
    if (is_hop_by_hop(h.first) || named_in(h.first, connection) ||
        in(h.first, {"content-length", "server", "x-request-id"}))
      continue;
    out.push_back(h);
  }
  return out;
}

}  // namespace sb::gateway
