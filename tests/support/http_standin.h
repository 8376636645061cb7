// HttpStandin — a small blocking HTTP/1.1 server on 127.0.0.1 (an ephemeral
// port chosen by the kernel) standing in for a SaaS API in tests. It records
// every request (method, target, headers, body) and answers from a script:
// queued responses first, then the default (200, empty body). One connection
// at a time on a background thread, "Connection: close" on every answer —
// enough for a client under test, and plain POSIX sockets so it compiles in
// a second (no Beast).
//
// Thread-safe: the test thread scripts and reads while the server thread
// serves.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace sb::test {

struct RecordedRequest {
  std::string method;
  std::string target;  // path and query, e.g. "/v3/mail/send"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // First value of header `name` (case-insensitive), or "".
  std::string header(std::string_view name) const;
  // application/x-www-form-urlencoded body as (name, value) pairs, decoded.
  std::vector<std::pair<std::string, std::string>> form() const;
  // All values of form field `name`.
  std::vector<std::string> form_values(std::string_view name) const;
};

struct ScriptedResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Never answer: hold the connection until the client gives up (timeouts).
  bool hang = false;
};

class HttpStandin {
 public:
  HttpStandin();
  ~HttpStandin();
  HttpStandin(const HttpStandin&) = delete;
  HttpStandin& operator=(const HttpStandin&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Answers the next request with `r` (FIFO, before the default).
  void enqueue(ScriptedResponse r);
  // The next `n` requests get `status` (e.g. 503).
  void fail_next(int n, int status = 503, std::string body = "{\"error\":\"unavailable\"}");
  void set_default(ScriptedResponse r);

  std::vector<RecordedRequest> requests() const;
  size_t request_count() const;

 private:
  void serve();
  void handle(int fd);

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};  // written on shutdown to unblock poll()
  int port_ = 0;
  std::thread thread_;

  mutable std::mutex mu_;
  std::deque<ScriptedResponse> queue_;      // guarded by mu_
  ScriptedResponse default_;                // guarded by mu_
  std::vector<RecordedRequest> requests_;   // guarded by mu_
};

// Percent-decoding of one form component ('+' is a space).
std::string form_decode(std::string_view s);

}  // namespace sb::test
