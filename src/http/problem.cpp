#include "http/problem.h"

#include <algorithm>
#include <boost/json.hpp>

namespace sb::http {

namespace bj = boost::json;

int status_for(Code code) {
  switch (code) {
    case Code::kOk: return 200;
    case Code::kInvalidArgument: return 400;
    case Code::kNotFound: return 404;
    case Code::kAlreadyExists: return 409;
    case Code::kConflict: return 409;
    case Code::kUnauthenticated: return 401;
    case Code::kPermissionDenied: return 403;
    case Code::kResourceExhausted: return 429;
    case Code::kUnavailable: return 503;
    case Code::kDeadlineExceeded: return 504;
    case Code::kInternal: return 500;
  }
  return 500;
}

namespace {
const char* title_for(Code code) {
  switch (code) {
    case Code::kInvalidArgument: return "Invalid request";
    case Code::kNotFound: return "Not found";
    case Code::kAlreadyExists: return "Already exists";
    case Code::kConflict: return "Conflict";
    case Code::kUnauthenticated: return "Authentication required";
    case Code::kPermissionDenied: return "Permission denied";
    case Code::kResourceExhausted: return "Too many requests";
    case Code::kUnavailable: return "Service unavailable";
    case Code::kDeadlineExceeded: return "Deadline exceeded";
    default: return "Internal error";
  }
}

Response build(int status, const std::string& slug, const std::string& title,
               const std::string& detail, const std::string& request_id,
               const std::vector<FieldError>* fields, int64_t retry_after_ms) {
  bj::object o;
  o["type"] = "https://switchboard.dev/problems/" + slug;
  o["title"] = title;
  o["status"] = status;
  if (!detail.empty()) o["detail"] = detail;
  if (!request_id.empty()) o["request_id"] = request_id;
  if (fields && !fields->empty()) {
    bj::array errs;
    for (auto& f : *fields) errs.push_back(bj::object{{"field", f.field}, {"message", f.message}});
    o["errors"] = std::move(errs);
  }
  Response r;
  r.status = status;
  r.body = bj::serialize(o);
  r.headers.emplace_back("Content-Type", "application/problem+json");
  // RFC 6585: a 429 says when to come back. Whole seconds, never 0 (a client
  // reading 0 would retry at once).
  if (status == 429)
    r.headers.emplace_back("Retry-After", std::to_string(std::max<int64_t>(1, (retry_after_ms + 999) / 1000)));
  return r;
}
}  // namespace

Response problem(const Status& s, const std::string& request_id) {
  int http = status_for(s.code());
  // Internal details are logged, not shown.
  std::string detail = s.code() == Code::kInternal ? "see server logs for request " + request_id : s.message();
  std::string slug = code_name(s.code());
  for (char& c : slug)
    if (c == '_') c = '-';
  Response r = build(http, slug, title_for(s.code()), detail, request_id, &s.fields(), s.retry_after_ms());
  if (http == 401) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

Response problem(int status, const std::string& slug, const std::string& title,
                 const std::string& detail, const std::string& request_id) {
  return build(status, slug, title, detail, request_id, nullptr, 0);
}

}  // namespace sb::http
