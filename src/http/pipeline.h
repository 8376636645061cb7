// Pipeline: what every request goes through between the socket and its
// handler, in order — request id (X-Request-Id honoured or generated),
// routing (404/405), authentication for non-public routes (pluggable
// Authenticator; identity will plug in here), the handler. Once the response
// is written the server calls finish() on its io thread for the access log
// line and the request metrics. Socket-level limits (body, header, idle
// time) are enforced earlier by the server.
//
// Thread-safe; one Pipeline serves every io thread. The Request passed to a
// handler stays valid until its Respond is called.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "http/message.h"
#include "http/router.h"

namespace sb::metrics { class Registry; }

namespace sb::http {

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Returns the principal ("admin-key:<id>") or Unauthenticated.
  virtual Result<std::string> authenticate(const Request& req) = 0;
};

struct PipelineOptions {
  bool access_log = true;
};

class Pipeline {
 public:
  Pipeline(const Router& router, Authenticator* auth, metrics::Registry* metrics,
           const Clock& clock, PipelineOptions options = {});
  ~Pipeline();
  void handle(Request& req, Respond respond);
  // Access log + metrics for one finished request (also for responses the
  // server builds itself: 413, 431, 400). Call on an io thread.
  void finish(const Request& req, int status, int64_t start_us);
  // Writes the calling io thread's buffered access-log lines.
  void flush_access_log();
  static int64_t now_us();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::http
