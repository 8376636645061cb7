// http::Server — HTTP/1.1 over Boost.Beast + Asio coroutines. One io_context
// per thread, each with its own SO_REUSEPORT acceptor, so connections spread
// over cores without a shared queue. Enforces socket-level limits before any
// handler runs (body size, header size, read/idle timeouts) and shuts down
// gracefully: stop accepting, let in-flight requests finish within a
// deadline, close idle keep-alive connections and streams.
//
// This header is Asio-free; server.cpp is the only file that includes Beast.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/pipeline.h"

namespace sb::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;             // 0 = pick a free port (see Server::port)
  int threads = 0;             // 0 = one per core
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  int read_timeout_ms = 30'000;  // to receive a whole request once it started
  int idle_timeout_ms = 60'000;  // keep-alive connection without a request
  int shutdown_grace_ms = 10'000;
};

class Server {
 public:
  Server(Pipeline& pipeline, ServerOptions options);
  ~Server();
  // Binds and listens; errors (address in use, bad host) are returned.
  Status listen();
  int port() const;
  // Serves on options.threads threads; returns after stop() completes.
  void run();
  // Graceful stop; safe to call from any thread or a signal watcher.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::http
