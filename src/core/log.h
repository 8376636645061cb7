// Structured logging over spdlog. One process-wide asynchronous logger so a
// slow terminal or disk never blocks a request thread (DESIGN.md). Lines are
// JSON when format "json" is configured. Never pass secrets or codes here.
#pragma once

#include <spdlog/spdlog.h>

#include <string>

namespace sb::log {

struct Options {
  std::string level = "info";  // trace, debug, info, warn, error, off
  bool json = false;
  bool to_stderr = false;  // CLI commands keep stdout for their output
};

void init(const Options& opts);
// Flushes and stops the asynchronous sink (called at shutdown).
void shutdown();

// The access log writes pre-formatted JSON lines through this logger.
spdlog::logger& access();

}  // namespace sb::log
