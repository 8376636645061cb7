// The active health checks' probes: one HTTP GET or one TCP connect, bounded
// by a timeout. Blocking; the checker runs them on its own workers.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace sb::discovery {

// OK when the URL answers `expect_status` (0: any 2xx) within timeout_ms;
// otherwise Unavailable saying what happened ("HTTP 503", "timed out").
Status http_probe(const std::string& url, int64_t timeout_ms, int expect_status);
// OK when a TCP connection to "host:port" opens within timeout_ms.
Status tcp_probe(const std::string& host_port, int64_t timeout_ms);

}  // namespace sb::discovery
