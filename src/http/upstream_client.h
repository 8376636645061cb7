// http::UpstreamClient — the gateway's HTTP/1.1 client: sends one request to
// one upstream instance over a kept-alive pooled connection and calls back
// with the whole answer (buffered, capped at max_response_bytes) or why it
// failed. The choice of instance, retries and the answer to the client are
// the caller's (api/gateway_api.cpp); this class only moves bytes.
//
// Threads: `threads` io threads of its own, each with its own connection
// pool (a connection is only ever used by the thread that opened it, so the
// pools need no lock). send() may be called from any thread; `done` runs on
// a client thread and must not block.
//
// This header is Asio-free; upstream_client.cpp includes Beast.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sb::http {

struct UpstreamRequest {
  std::string host;
  int port = 0;
  std::string method;
  std::string target;  // path + query, as the upstream must see it
  // Sent as given (the caller strips hop-by-hop headers); Host and
  // Content-Length are the client's.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  int64_t timeout_ms = 15'000;  // connect to last byte
  size_t max_response_bytes = 10 << 20;
  // A stale pooled connection may be retried on a fresh one only when the
  // request is safe to send twice.
  bool idempotent = true;
};

enum class UpstreamFailure {
  kNone,
  kConnect,      // nothing was sent: refused, unreachable, DNS
  kTimeout,      // no complete answer within timeout_ms
  kBroken,       // sent, then the connection failed before a complete answer
  kTooLarge,     // the answer's body exceeds max_response_bytes
  kBadResponse,  // not HTTP/1.x
};

struct UpstreamResult {
  UpstreamFailure failure = UpstreamFailure::kNone;
  std::string detail;  // why, for logs and problem details
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;
  bool ok() const { return failure == UpstreamFailure::kNone; }
};

struct UpstreamClientOptions {
  int threads = 1;
  size_t max_idle_per_upstream = 64;  // pooled connections per host:port and thread
  // A pooled connection idle longer is closed rather than reused: upstreams
  // close idle keep-alive connections themselves (Node.js after 5 s), and a
  // request written into a connection being closed is lost.
  int64_t max_idle_ms = 4'000;
};

class UpstreamClient {
 public:
  explicit UpstreamClient(UpstreamClientOptions options = {});
  ~UpstreamClient();  // stop()
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  void send(UpstreamRequest request, std::function<void(UpstreamResult)> done);
  // Stops the threads; requests in flight are abandoned (their `done` never
  // runs). Call after the server stopped serving.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::http
