#include "api/json_body.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "core/json.h"
#include "http/problem.h"

namespace sb::api {

Result<boost::json::value> json_body(const http::Request& req, boost::json::storage_ptr sp) {
  std::string_view ct = req.header("content-type");
  std::string_view base = ct.substr(0, ct.find(';'));
  while (!base.empty() && base.back() == ' ') base.remove_suffix(1);
  bool is_json = base == "application/json" ||
                 (base.size() > 5 && base.substr(base.size() - 5) == "+json");
  if (!is_json)
    return Status::invalid("content-type", "must be application/json (got \"" + std::string(ct) + "\")");
  if (req.body.empty()) return Status::invalid("body", "is empty; a JSON document is required");
  return json::parse(req.body, json::kMaxDepth, std::move(sp));
}

Result<boost::json::object> object_body(const http::Request& req) {
  SB_ASSIGN(auto body, json_body(req));
  if (!body.is_object()) return Status::invalid("body", "must be a JSON object");
  return std::move(body.get_object());
}

std::optional<http::Response> needs_user(const http::Request& req) {
  if (!req.user_id.empty()) return std::nullopt;
  return error_response(Status::permission_denied("this route acts on a user account; sign in as a user"), req);
}

http::Response json_response(int status, const boost::json::value& v) {
  return http::Response::json(status, boost::json::serialize(v));
}

http::Response error_response(const Status& s, const http::Request& req) {
  // The answer says "see server logs for request <id>": this is that log.
  if (s.code() == Code::kInternal)
    spdlog::error("request {} {} {}: {}", req.request_id, req.method, req.route, s.message());
  return http::problem(s, req.request_id);
}

Result<int64_t> int_param(const http::Request& req, const std::string& name, int64_t fallback,
                          int64_t min, int64_t max) {
  auto v = req.query_param(name);
  if (!v) return fallback;
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || p != v->data() + v->size())
    return Status::invalid(name, "must be an integer");
  if (out < min || out > max)
    return Status::invalid(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return out;
}

}  // namespace sb::api
