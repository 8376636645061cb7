#include "core/log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace sb::log {
namespace {
std::shared_ptr<spdlog::logger> g_access;
}

void init(const Options& opts) {
  if (spdlog::thread_pool() == nullptr) spdlog::init_thread_pool(8192, 1);
  spdlog::sink_ptr sink;
  if (opts.to_stderr) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  else sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  auto main = std::make_shared<spdlog::async_logger>("switchboard", sink, spdlog::thread_pool(),
                                                     spdlog::async_overflow_policy::block);
  if (opts.json) {
    main->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%v"})", spdlog::pattern_time_type::utc);
  } else {
    main->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
  }
  main->set_level(spdlog::level::from_str(opts.level));
  spdlog::set_default_logger(main);
  // A sink of its own: a logger's pattern is applied to its sinks.
  auto access_sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  g_access = std::make_shared<spdlog::async_logger>("access", access_sink, spdlog::thread_pool(),
                                                    spdlog::async_overflow_policy::overrun_oldest);
  g_access->set_pattern("%v");
  g_access->set_level(opts.level == "off" ? spdlog::level::off : spdlog::level::info);
}

void shutdown() {
  if (g_access) g_access->flush();
  spdlog::default_logger()->flush();
  spdlog::shutdown();
  g_access.reset();
}

spdlog::logger& access() {
  if (!g_access) {
    g_access = spdlog::stdout_logger_mt("access-fallback");
    g_access->set_level(spdlog::level::off);
  }
  return *g_access;
}

}  // namespace sb::log
