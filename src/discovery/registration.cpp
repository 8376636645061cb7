// Reading and checking a registration body: names, address, port, tags,
// meta and the health check. Every error names its field.
#include <arpa/inet.h>

#include <boost/json.hpp>

#include "discovery/registry.h"

namespace sb::discovery {

namespace bj = boost::json;

namespace {

bool name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'; }

bool valid_host(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  in6_addr v6;
  std::string s(h);
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) return true;
  for (char c : h)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'))
      return false;
  return h.front() != '-' && h.front() != '.';
}

// "host:port" or "[v6]:port".
bool valid_host_port(std::string_view hp) {
  size_t colon = hp.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == hp.size()) return false;
  std::string_view host = hp.substr(0, colon), port = hp.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int p = 0;
  for (char c : port) {
    if (c < '0' || c > '9' || p > 65535) return false;
    p = p * 10 + (c - '0');
  }
  return p >= 1 && p <= 65535 && valid_host(host);
}

struct Fields {
  std::vector<FieldError> errs;
  void add(std::string field, std::string message) { errs.push_back({std::move(field), std::move(message)}); }
};

int64_t read_int(const bj::object& o, std::string_view key, int64_t fallback, int64_t min, int64_t max,
                 const std::string& at, Fields& f) {
  auto* v = o.if_contains(key);
  if (!v) return fallback;
  if (!v->is_int64() || v->as_int64() < min || v->as_int64() > max) {
    f.add(at + "/" + std::string(key), "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return fallback;
  }
  return v->as_int64();
}

std::string read_string(const bj::object& o, std::string_view key, size_t max, const std::string& at, Fields& f) {
  auto* v = o.if_contains(key);
  if (!v) return "";
  if (!v->is_string() || v->as_string().size() > max) {
    f.add(at + "/" + std::string(key), "must be a string of at most " + std::to_string(max) + " characters");
    return "";
  }
  return std::string(v->as_string());
}

void read_check(const bj::value& v, Check& c, Fields& f) {
  if (!v.is_object()) return f.add("/check", "must be an object: {\"ttl_ms\"} and/or {\"http\"|\"tcp\", \"interval_ms\"}");
  const bj::object& o = v.as_object();
  static const char* known[] = {"ttl_ms",        "deregister_after_ms", "http",
                                "tcp",           "interval_ms",         "timeout_ms",
                                "expect_status", "healthy_threshold",   "unhealthy_threshold"};
  for (const auto& [k, _] : o)
    if (std::none_of(std::begin(known), std::end(known), [&](const char* n) { return k == n; }))
      f.add("/check/" + std::string(k), "unknown field");
  c.ttl_ms = read_int(o, "ttl_ms", 0, 100, 86'400'000, "/check", f);
  c.deregister_after_ms = read_int(o, "deregister_after_ms", 0, 0, 7 * 86'400'000LL, "/check", f);
  c.http = read_string(o, "http", 2048, "/check", f);
  c.tcp = read_string(o, "tcp", 260, "/check", f);
  c.interval_ms = read_int(o, "interval_ms", 10'000, 100, 3'600'000, "/check", f);
  c.timeout_ms = read_int(o, "timeout_ms", std::min<int64_t>(2'000, c.interval_ms), 10, 300'000, "/check", f);
  c.expect_status = static_cast<int>(read_int(o, "expect_status", 0, 100, 599, "/check", f));
  c.healthy_threshold = static_cast<int>(read_int(o, "healthy_threshold", 1, 1, 100, "/check", f));
  c.unhealthy_threshold = static_cast<int>(read_int(o, "unhealthy_threshold", 2, 1, 100, "/check", f));
  if (!c.http.empty() && !c.http.starts_with("http://") && !c.http.starts_with("https://"))
    f.add("/check/http", "must be an http:// or https:// URL");
  if (!c.tcp.empty() && !valid_host_port(c.tcp)) f.add("/check/tcp", "must be host:port");
  if (!c.http.empty() && !c.tcp.empty()) f.add("/check/tcp", "give http or tcp, not both");
  if (c.ttl_ms == 0 && !c.active() && f.errs.empty())
    f.add("/check", "needs ttl_ms, http or tcp");
  if (c.active() && c.timeout_ms > c.interval_ms) f.add("/check/timeout_ms", "must not exceed interval_ms");
}

}  // namespace

const char* health_name(Health h) { return h == Health::kPassing ? "passing" : "critical"; }

Status validate_service_name(std::string_view name, const std::string& field) {
  bool ok = !name.empty() && name.size() <= 64 && name_char(name.front()) && name.front() != '-';
  for (char c : name) ok = ok && name_char(c);
  if (!ok) return Status::invalid(field, "must be 1-64 of a-z 0-9 - _ . (starting with a letter or digit)");
  return {};
}

Status validate_instance_id(std::string_view id, const std::string& field) {
  bool ok = !id.empty() && id.size() <= 128;
  for (char c : id)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.' || c == ':');
  if (!ok) return Status::invalid(field, "must be 1-128 of A-Z a-z 0-9 - _ . :");
  return {};
}

Result<Instance> parse_registration(const std::string& service, const std::string& id, const bj::object& body) {
  SB_TRY(validate_service_name(service, "name"));
  SB_TRY(validate_instance_id(id, "id"));
  Instance in;
  in.service = service;
  in.id = id;
  Fields f;
  auto* address = body.if_contains("address");
  if (!address || !address->is_string() || !valid_host(address->as_string()))
    f.add("/address", "must be an IP address or a host name");
  else
    in.address = address->as_string();
  auto* port = body.if_contains("port");
  if (!port || !port->is_int64() || port->as_int64() < 1 || port->as_int64() > 65535)
    f.add("/port", "must be an integer from 1 to 65535");
  else
    in.port = static_cast<int>(port->as_int64());
  if (auto* tags = body.if_contains("tags")) {
    if (!tags->is_array() || tags->as_array().size() > 64) {
      f.add("/tags", "must be an array of at most 64 strings");
    } else {
      for (size_t i = 0; i < tags->as_array().size(); ++i) {
        const auto& t = tags->as_array()[i];
        if (!t.is_string() || t.as_string().empty() || t.as_string().size() > 128)
          f.add("/tags/" + std::to_string(i), "must be a string of 1-128 characters");
        else
          in.tags.emplace_back(t.as_string());
      }
    }
  }
  if (auto* meta = body.if_contains("meta")) {
    if (!meta->is_object() || meta->as_object().size() > 64) {
      f.add("/meta", "must be an object of at most 64 string values");
    } else {
      for (const auto& [k, v] : meta->as_object()) {
        if (k.empty() || k.size() > 128 || !v.is_string() || v.as_string().size() > 512)
          f.add("/meta/" + std::string(k), "must be a string of at most 512 characters");
        else
          in.meta.emplace(std::string(k), std::string(v.as_string()));
      }
    }
  }
  in.version = read_string(body, "version", 64, "", f);
  in.zone = read_string(body, "zone", 64, "", f);
  if (auto* check = body.if_contains("check"); check && !check->is_null()) read_check(*check, in.check, f);
  if (!f.errs.empty()) return Status::invalid(std::move(f.errs));
  return in;
}

}  // namespace sb::discovery
