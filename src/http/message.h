// Plain HTTP request/response types handed to handlers. No Beast or Asio
// here: api/ and the tests use these without sockets, and the rest of the
// tree compiles without Asio's templates.
//
// A handler receives the Request and a Respond callback that must be called
// exactly once, from any thread (e.g. a store thread after a group commit).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/trace_context.h"

namespace sb::http {

struct Request {
  std::string method;  // upper case
  std::string target;  // as sent: path + query
  std::string path;    // decoded path
  std::string query;   // raw query string (without '?')
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
  std::string body;
  std::map<std::string, std::string> params;  // path parameters of the matched route
  std::string request_id;
  std::string remote_ip;
  std::string principal;  // who authenticated ("admin-key:<id>", "user:<id>"), empty if none
  std::string user_id;    // the authenticated user (JWT subject); empty for admin keys
  std::string session_id; // the user's session (JWT sid)
  int64_t auth_time = 0;  // Unix seconds the user signed in (JWT auth_time)
  // W3C trace context: the caller's trace continued (or a new one) and this
  // request's own span; set by the pipeline.
  TraceContext trace;
  // Pattern of the matched route ("unmatched" if none), set by the pipeline;
  // views the router's own string, which outlives every request.
  std::string_view route;

  std::string_view header(std::string_view lower_name) const;
  // First value of a query parameter, percent-decoded.
  std::optional<std::string> query_param(std::string_view name) const;
};

// Where a streaming response (Server-Sent Events) writes after its headers.
// Thread-safe. send() returns false once the client is gone or the sink closed.
class StreamSink {
 public:
  virtual ~StreamSink() = default;
  virtual bool send(std::string chunk) = 0;
  virtual bool is_open() const = 0;
  virtual void close() = 0;
};

// A long-lived response body. start() is called once the headers are sent.
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  virtual void start(std::shared_ptr<StreamSink> sink) = 0;
  // The connection ended (client left or server shutting down).
  virtual void stop() = 0;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::shared_ptr<StreamSource> stream;  // set for SSE; body ignored

  static Response json(int status, std::string body);
  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  Response& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  // Replaces every header of that name (ASCII case-insensitive), else adds it.
  Response& set_header(std::string name, std::string value);
};

using Respond = std::function<void(Response)>;
using Handler = std::function<void(Request&, Respond)>;

// Adapts a synchronous handler.
inline Handler sync(std::function<Response(Request&)> fn) {
  return [fn = std::move(fn)](Request& req, Respond respond) { respond(fn(req)); };
}

std::string percent_decode(std::string_view s, bool plus_as_space);

}  // namespace sb::http
