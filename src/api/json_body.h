// Shared by the api/ adapters: read a JSON request body (content type,
// depth limit) and write JSON responses. Errors come back as problem+json
// naming the field.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "core/result.h"
#include "http/message.h"

namespace sb::api {

// Requires a JSON content type (application/json or a +json type) and a
// well-formed body no deeper than 64 levels.
// `sp`: where the value lives (default heap); see json::parse.
Result<boost::json::value> json_body(const http::Request& req, boost::json::storage_ptr sp = {});
// json_body that must be an object (400 naming "body" otherwise).
Result<boost::json::object> object_body(const http::Request& req);
http::Response json_response(int status, const boost::json::value& v);
http::Response error_response(const Status& s, const http::Request& req);
// Routes for the caller's own account need a signed-in user, not an admin
// key: a 403 to answer with, or nullopt when there is a user.
std::optional<http::Response> needs_user(const http::Request& req);
// Parses a non-negative integer query parameter; absent -> fallback.
Result<int64_t> int_param(const http::Request& req, const std::string& name, int64_t fallback,
                          int64_t min, int64_t max);

}  // namespace sb::api
