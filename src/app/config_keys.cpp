#include "app/config_keys.h"

#include "config/config.h"

namespace sb::app {

namespace bj = boost::json;
using config::KeySpec;
using config::Type;

namespace {
std::function<std::optional<std::string>(const bj::value&)> at_least(int64_t min) {
  return [min](const bj::value& v) -> std::optional<std::string> {
    if (v.to_number<int64_t>() < min) return "must be at least " + std::to_string(min);
    return std::nullopt;
  };
}
}  // namespace

void declare_server_keys(config::ConfigService& c) {
  auto restart = [](KeySpec k) {
    k.restart_required = true;
    return k;
  };
  c.declare(restart({"server.listen", Type::kString, "127.0.0.1:8080", "HOST:PORT to listen on"}));
  c.declare(restart({"server.data_dir", Type::kString, "./data", "Directory for the SQLite file and outbox"}));
  c.declare(restart({"server.threads", Type::kInt, 0, "io threads (0 = one per core)", false, at_least(0)}));
  c.declare(restart({"server.blocking_threads", Type::kInt, 8, "Threads for handlers that wait on I/O (Db, provider sends, Argon2id)", false, at_least(1)}));
  c.declare(restart({"server.blocking_queue", Type::kInt, 4096,
                     "Requests waiting for a blocking thread before new ones get 503 with Retry-After", false,
                     at_least(1)}));
  c.declare(restart({"store.database", Type::kString, nullptr,
                     "sqlite:PATH or postgresql://… (default sqlite:<data_dir>/switchboard.db)", true}));
  c.declare(restart({"store.sqlite_synchronous", Type::kString, "FULL",
                     "FULL: acknowledged writes are fsync'd. NORMAL: opt-in, faster, may lose the last "
                     "commits on power loss",
                     false, [](const bj::value& v) -> std::optional<std::string> {
                       if (v.get_string() != "FULL" && v.get_string() != "NORMAL") return "must be FULL or NORMAL";
                       return std::nullopt;
                     }}));
  c.declare(restart({"store.pool_size", Type::kInt, 8, "Reader connections", false, at_least(1)}));
  c.declare(restart({"http.max_body_bytes", Type::kInt, 1 << 20, "Largest request body", false, at_least(1024)}));
  c.declare(restart({"http.max_header_bytes", Type::kInt, 16 << 10, "Largest request header block", false, at_least(1024)}));
  c.declare(restart({"http.read_timeout_ms", Type::kInt, 30'000, "Time to receive a whole request (header and body), from its first byte", false, at_least(100)}));
  c.declare(restart({"http.idle_timeout_ms", Type::kInt, 60'000, "Keep-alive idle time", false, at_least(100)}));
  c.declare(restart({"http.shutdown_grace_ms", Type::kInt, 10'000, "In-flight deadline at shutdown", false, at_least(0)}));
  c.declare(restart({"http.access_log", Type::kBool, true, "One JSON line per request"}));
  c.declare(restart({"http.trusted_proxies", Type::kStringList, bj::array{},
                     "Peer IPs whose X-Forwarded-For names the client (rate limits, logs); empty = none"}));
  c.declare(restart({"log.level", Type::kString, "info", "trace|debug|info|warn|error|off"}));
  c.declare(restart({"log.format", Type::kString, "text", "text|json"}));
  c.declare(restart({"events.heartbeat_ms", Type::kInt, 15'000, "SSE keep-alive comment interval", false, at_least(100)}));
  c.declare(restart({"subscriptions.max_attempts", Type::kInt, 8, "Delivery attempts before an event is dead-lettered", false, at_least(1)}));
  c.declare(restart({"subscriptions.backoff_base_ms", Type::kInt, 1000, "First retry delay cap (doubles per attempt, full jitter)", false, at_least(1)}));
  c.declare(restart({"subscriptions.backoff_max_ms", Type::kInt, 300'000, "Largest retry delay", false, at_least(1)}));
  c.declare(restart({"subscriptions.workers", Type::kInt, 4, "Concurrent deliveries (one per subscription at a time)", false, at_least(1)}));
  c.declare(restart({"webhooks.timeout_ms", Type::kInt, 10'000, "Per-delivery HTTP timeout", false, at_least(100)}));
  c.declare(restart({"events.poll_ms", Type::kInt, 1000, "How often live feeds look for other instances' events", false, at_least(10)}));
}

}  // namespace sb::app
