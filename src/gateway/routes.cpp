#include "gateway/routes.h"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <initializer_list>

namespace sb::gateway {
namespace bj = boost::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  return out;
}

bool is_token(std::string_view s) {  // RFC 9110 token: header names, methods
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

bool is_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; });
}

// Reads one JSON object's fields, collecting every error under `at`.
class Fields {
 public:
  Fields(const bj::object& o, std::string at, std::vector<FieldError>& errs) : o_(o), at_(std::move(at)), errs_(errs) {}

  // Refuses fields outside `known` (a typo must not silently drop a policy).
  void only(std::initializer_list<std::string_view> known) {
    for (const auto& kv : o_)
      if (std::find(known.begin(), known.end(), kv.key()) == known.end())
        fail(kv.key(), "unknown field");
  }
  const bj::value* get(std::string_view key) const { return o_.if_contains(key); }
  bool text(std::string_view key, std::string& out, bool required = false) {
    const bj::value* v = get(key);
    if (!v) return required ? fail(key, "is required") : false;
    if (!v->is_string()) return fail(key, "must be a string");
    out = std::string(v->get_string());
    return true;
  }
  bool integer(std::string_view key, int64_t& out, int64_t lo, int64_t hi) {
    const bj::value* v = get(key);
    if (!v) return false;
    if (!v->is_int64() && !v->is_uint64()) return fail(key, "must be an integer");
    int64_t n = v->is_int64() ? v->get_int64() : static_cast<int64_t>(std::min<uint64_t>(v->get_uint64(), INT64_MAX));
    if (n < lo || n > hi) return fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    out = n;
    return true;
  }
  bool boolean(std::string_view key, bool& out) {
    const bj::value* v = get(key);
    if (!v) return false;
    if (!v->is_bool()) return fail(key, "must be true or false");
    out = v->get_bool();
    return true;
  }
  const bj::object* object(std::string_view key, bool required = false) {
    const bj::value* v = get(key);
    if (!v) return required ? (fail(key, "is required"), nullptr) : nullptr;
    if (!v->is_object()) return fail(key, "must be an object"), nullptr;
    return &v->get_object();
  }
  const bj::array* array(std::string_view key) {
    const bj::value* v = get(key);
    if (!v) return nullptr;
    if (!v->is_array()) return fail(key, "must be an array"), nullptr;
    return &v->get_array();
  }
  std::string path(std::string_view key) const { return at_ + "/" + std::string(key); }
  bool fail(std::string_view key, std::string message) {
    errs_.push_back({path(key), std::move(message)});
    return false;
  }

 private:
  const bj::object& o_;
  std::string at_;
  std::vector<FieldError>& errs_;
};

void read_match(Fields& f, Route& r, std::vector<FieldError>& errs) {
  const bj::object* m = f.object("match", true);
  if (!m) return;
  Fields mf(*m, f.path("match"), errs);
  mf.only({"host", "path_prefix", "methods"});
  if (mf.text("host", r.host)) {
    r.host = lower(r.host);
    if (r.host.empty() || r.host.find_first_of("/ :") != std::string::npos) mf.fail("host", "must be a host name");
  }
  if (mf.text("path_prefix", r.path_prefix, true)) {
    std::string& p = r.path_prefix;
    if (p.empty() || p.front() != '/') return (void)mf.fail("path_prefix", "must start with /");
    if (p.find_first_of("?#%* \t") != std::string::npos || p.find("//") != std::string::npos ||
        p.find("/../") != std::string::npos || p.ends_with("/.."))
      return (void)mf.fail("path_prefix", "must be a plain path (no ?, #, %, *, //, ..)");
    if (p.size() > 1 && p.back() == '/') p.pop_back();  // "/orders/" is "/orders"
    // "/" may catch everything else: reserved paths never reach the gateway's
    // table (is_reserved_path is checked per request).
    if (auto reserved = reserved_prefix_of(p))
      return (void)mf.fail("path_prefix", std::string(*reserved) + " is reserved for Switchboard");
  }
  if (const bj::array* methods = mf.array("methods")) {
    for (size_t i = 0; i < methods->size(); ++i) {
      const bj::value& v = (*methods)[i];
      if (!v.is_string() || !is_token(v.get_string())) {
        mf.fail("methods/" + std::to_string(i), "must be an HTTP method");
        continue;
      }
      std::string m(v.get_string());
      for (char& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (std::find(r.methods.begin(), r.methods.end(), m) == r.methods.end()) r.methods.push_back(std::move(m));
    }
    if (methods->empty()) mf.fail("methods", "must name at least one method (leave it out for all)");
  }
}

void read_upstream(Fields& f, Route& r, std::vector<FieldError>& errs) {
  const bj::object* u = f.object("upstream", true);
  if (!u) return;
  Fields uf(*u, f.path("upstream"), errs);
  uf.only({"service", "urls"});
  bool has_service = uf.text("service", r.service);
  if (has_service && !is_name(r.service)) uf.fail("service", "must be a service name (a-z 0-9 - _, 1-64)");
  const bj::array* urls = uf.array("urls");
  if (has_service == (urls != nullptr)) return (void)f.fail("upstream", "needs exactly one of service or urls");
  if (!urls) return;
  if (urls->empty()) return (void)uf.fail("urls", "must list at least one URL");
  for (size_t i = 0; i < urls->size(); ++i) {
    std::string field = uf.path("urls/" + std::to_string(i));
    if (!(*urls)[i].is_string()) {
      errs.push_back({field, "must be a string"});
      continue;
    }
    auto t = parse_upstream_url((*urls)[i].get_string(), field);
    if (!t.ok()) errs.insert(errs.end(), t.status().fields().begin(), t.status().fields().end());
    else r.urls.push_back(std::move(*t));
  }
}

void read_headers(Fields& f, Route& r, std::vector<FieldError>& errs) {
  const bj::object* h = f.object("headers");
  if (!h) return;
  Fields hf(*h, f.path("headers"), errs);
  hf.only({"add", "remove"});
  if (const bj::object* add = hf.object("add")) {
    for (const auto& kv : *add) {
      std::string field = hf.path("add/" + std::string(kv.key()));
      if (!is_token(kv.key())) errs.push_back({field, "must be a header name"});
      else if (!kv.value().is_string() || kv.value().get_string().find_first_of("\r\n") != bj::string::npos)
        errs.push_back({field, "must be a one-line string"});
      else r.add_headers.emplace_back(lower(kv.key()), std::string(kv.value().get_string()));
    }
  }
  if (const bj::array* remove = hf.array("remove")) {
    for (size_t i = 0; i < remove->size(); ++i) {
      const bj::value& v = (*remove)[i];
      if (!v.is_string() || !is_token(v.get_string())) hf.fail("remove/" + std::to_string(i), "must be a header name");
      else r.remove_headers.push_back(lower(v.get_string()));
    }
  }
}

void read_policy(Fields& f, Route& r, std::vector<FieldError>& errs) {
  std::string auth;
  if (f.text("auth", auth)) {
    if (auth == "required") r.auth = Auth::kRequired;
    else if (auth != "none") f.fail("auth", "must be \"none\" or \"required\"");
  }
  if (f.text("permission", r.permission)) {
    size_t colon = r.permission.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == r.permission.size())
      f.fail("permission", "must be resource:action");
    else if (r.auth == Auth::kNone && f.get("auth"))
      f.fail("permission", "needs \"auth\": \"required\"");
    else r.auth = Auth::kRequired;
  }
  if (const bj::object* rl = f.object("rate_limit")) {
    Fields rf(*rl, f.path("rate_limit"), errs);
    rf.only({"limit", "per"});
    std::string limit, per = "ip";
    if (rf.text("limit", limit, true)) {
      auto parsed = resilience::parse_rate_limit(limit, rf.path("limit"));
      if (parsed.ok()) r.rate_limit = *parsed;
      else errs.insert(errs.end(), parsed.status().fields().begin(), parsed.status().fields().end());
    }
    rf.text("per", per);
    if (per == "user") r.rate_key = RateKey::kUser;
    else if (per != "ip") rf.fail("per", "must be \"ip\" or \"user\"");
    if (r.rate_key == RateKey::kUser && r.auth == Auth::kNone) rf.fail("per", "\"user\" needs \"auth\": \"required\"");
  }
  f.integer("timeout_ms", r.timeout_ms, 1, 3'600'000);
  int64_t retries = r.retries;
  if (f.integer("retries", retries, 0, 5)) r.retries = static_cast<int>(retries);
  f.boolean("retry_non_idempotent", r.retry_non_idempotent);
  f.integer("max_body_bytes", r.max_body_bytes, 0, int64_t{1} << 30);
  std::string balance;
  if (f.text("balance", balance)) {
    if (balance == "least_requests") r.balance = Balance::kLeastRequests;
    else if (balance == "hash") r.balance = Balance::kHashHeader;
    else if (balance != "round_robin") f.fail("balance", "must be round_robin, least_requests or hash");
  }
  if (f.text("hash_header", r.hash_header)) {
    if (!is_token(r.hash_header)) f.fail("hash_header", "must be a header name");
    r.hash_header = lower(r.hash_header);
  }
  if (r.balance == Balance::kHashHeader && r.hash_header.empty()) f.fail("hash_header", "is required with \"hash\"");
  if (const bj::object* o = f.object("outlier")) {
    Fields of(*o, f.path("outlier"), errs);
    of.only({"consecutive_failures", "base_ejection_ms", "max_ejection_ms"});
    int64_t n = r.outlier.consecutive_failures;
    if (of.integer("consecutive_failures", n, 0, 1000)) r.outlier.consecutive_failures = static_cast<int>(n);
    of.integer("base_ejection_ms", r.outlier.base_ejection_ms, 1, 86'400'000);
    if (!of.integer("max_ejection_ms", r.outlier.max_ejection_ms, 1, 86'400'000))
      r.outlier.max_ejection_ms = std::max(r.outlier.max_ejection_ms, r.outlier.base_ejection_ms);
    else if (r.outlier.max_ejection_ms < r.outlier.base_ejection_ms)
      of.fail("max_ejection_ms", "must be >= base_ejection_ms");
  }
}

bool methods_overlap(const Route& a, const Route& b) {
  if (a.methods.empty() || b.methods.empty()) return true;
  for (const auto& m : a.methods)
    if (b.matches_method(m)) return true;
  return false;
}

}  // namespace

std::optional<std::string_view> reserved_prefix_of(std::string_view path) {
  for (std::string_view reserved : kReservedPrefixes)
    if (path.starts_with(reserved) && (path.size() == reserved.size() || path[reserved.size()] == '/'))
      return reserved;
  return std::nullopt;
}

Result<Target> parse_upstream_url(std::string_view url, const std::string& field) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return Status::invalid(field, "must be an http:// URL (TLS upstreams are not supported yet)");
  std::string_view rest = url.substr(kScheme.size());
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  Target t;
  if (slash != std::string_view::npos) {
    t.base_path = std::string(rest.substr(slash));
    if (t.base_path.find_first_of("?# ") != std::string::npos) return Status::invalid(field, "must not have a query");
    while (!t.base_path.empty() && t.base_path.back() == '/') t.base_path.pop_back();
  }
  size_t colon = authority.rfind(':');
  t.host = std::string(authority.substr(0, colon));
  t.port = 80;
  if (colon != std::string_view::npos) {
    std::string_view p = authority.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), t.port);
    if (ec != std::errc() || end != p.data() + p.size() || t.port < 1 || t.port > 65535)
      return Status::invalid(field, "port must be 1-65535");
  }
  if (t.host.empty() || t.host.find_first_of("@[] ") != std::string::npos)
    return Status::invalid(field, "must name a host (IPv4 or a name)");
  return t;
}

bool Route::matches_path(std::string_view path) const {
  if (path_prefix == "/") return true;
  return path.starts_with(path_prefix) && (path.size() == path_prefix.size() || path[path_prefix.size()] == '/');
}

bool Route::matches_method(std::string_view method) const {
  if (methods.empty()) return true;
  for (const auto& m : methods)
    if (m == method || (method == "HEAD" && m == "GET")) return true;
  return false;
}

bool Route::may_retry(std::string_view method) const {
  if (method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" || method == "DELETE") return true;
  return method != "POST" && retry_non_idempotent;
}

std::string Route::upstream_path(std::string_view path, const Target& target) const {
  std::string_view rest = path;
  if (strip_prefix && path_prefix != "/") rest.remove_prefix(path_prefix.size());
  std::string out = target.base_path;
  if (rest.empty() || rest.front() != '/') out += '/';
  out += rest;
  return out;
}

Result<std::vector<Route>> parse_routes(const bj::value& value) {
  if (!value.is_array()) return Status::invalid("", "must be an array of routes");
  const bj::array& arr = value.get_array();
  std::vector<FieldError> errs;
  std::vector<Route> routes;
  for (size_t i = 0; i < arr.size(); ++i) {
    std::string at = "/" + std::to_string(i);
    if (!arr[i].is_object()) {
      errs.push_back({at, "must be an object"});
      continue;
    }
    Fields f(arr[i].get_object(), at, errs);
    f.only({"name", "match", "upstream", "strip_prefix", "headers", "auth", "permission", "rate_limit", "timeout_ms",
            "retries", "retry_non_idempotent", "max_body_bytes", "balance", "hash_header", "outlier"});
    Route r;
    if (f.text("name", r.name, true) && !is_name(r.name)) f.fail("name", "must be 1-64 of a-z 0-9 - _");
    for (const Route& other : routes)
      if (!r.name.empty() && other.name == r.name) f.fail("name", "duplicates another route's name");
    read_match(f, r, errs);
    read_upstream(f, r, errs);
    f.boolean("strip_prefix", r.strip_prefix);
    read_headers(f, r, errs);
    read_policy(f, r, errs);
    for (const Route& other : routes)
      if (!r.path_prefix.empty() && other.path_prefix == r.path_prefix && other.host == r.host &&
          methods_overlap(other, r))
        f.fail("match/path_prefix", "overlaps route \"" + other.name + "\" (same host, prefix and a method)");
    routes.push_back(std::move(r));
  }
  if (!errs.empty()) return Status::invalid(std::move(errs));
  return routes;
}

}  // namespace sb::gateway
