// Configuration keys owned by the server itself (listening, limits, store,
// logging), read by App. Module keys are declared by their components
// (api/events_api.h, api/identity_setup.h, resilience/rate_rules.h, providers/…).
// A new key is one constant here plus one name in declare_server_keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/key.h"

namespace sb::config { class ConfigService; }

namespace sb::app {

using config::at_least;
using config::Key;
using Strings = std::vector<std::string>;

// Read before the database opens: file or environment only.
inline const Key<std::string> kServerDataDir{"server.data_dir", "./data", "Directory for the SQLite file and outbox",
                                             config::boot};
inline const Key<std::optional<std::string>> kStoreDatabase{
    "store.database", std::nullopt, "sqlite:PATH or postgresql://… (default sqlite:<data_dir>/switchboard.db)", config::secret,
    config::boot};
inline const Key<std::string> kStoreSqliteSynchronous{
    "store.sqlite_synchronous", "FULL",
    "FULL: acknowledged writes are fsync'd. NORMAL: opt-in, faster, may lose the last commits on power loss",
    config::one_of({"FULL", "NORMAL"}), config::boot};
inline const Key<int64_t> kStorePoolSize{"store.pool_size", 8, "Reader connections", at_least(1), config::boot};
inline const Key<std::string> kLogLevel{"log.level", "info", "Log verbosity", config::one_of({"trace", "debug", "info", "warn", "error", "critical", "off"}), config::boot};
inline const Key<std::string> kLogFormat{"log.format", "text", "Log line format", config::one_of({"text", "json"}), config::boot};

// Read at start.
inline const Key<std::string> kServerListen{"server.listen", "127.0.0.1:8080", "HOST:PORT to listen on"};
inline const Key<int64_t> kServerThreads{"server.threads", 0, "io threads (0 = one per core)", at_least(0)};
inline const Key<int64_t> kServerBlockingThreads{
    "server.blocking_threads", 8, "Threads for handlers that wait on I/O (Db, provider sends, Argon2id)", at_least(1)};
inline const Key<int64_t> kServerBlockingQueue{
    "server.blocking_queue", 4096, "Requests waiting for a blocking thread before new ones get 503 with Retry-After",
    at_least(1)};
inline const Key<int64_t> kHttpMaxBodyBytes{"http.max_body_bytes", 1 << 20, "Largest request body", at_least(1024)};
inline const Key<int64_t> kHttpMaxHeaderBytes{"http.max_header_bytes", 16 << 10, "Largest request header block",
                                              at_least(1024)};
inline const Key<int64_t> kHttpReadTimeoutMs{
    "http.read_timeout_ms", 30'000, "Time to receive a whole request (header and body), from its first byte",
    at_least(100)};
inline const Key<int64_t> kHttpIdleTimeoutMs{"http.idle_timeout_ms", 60'000, "Keep-alive idle time", at_least(100)};
inline const Key<int64_t> kHttpShutdownGraceMs{"http.shutdown_grace_ms", 10'000, "In-flight deadline at shutdown",
                                               at_least(0)};
inline const Key<bool> kHttpAccessLog{"http.access_log", true, "One JSON line per request"};
inline const Key<Strings> kHttpTrustedProxies{
    "http.trusted_proxies", {}, "Peer IPs whose X-Forwarded-For names the client (rate limits, logs); empty = none"};
void declare_server_keys(config::ConfigService& config);

}  // namespace sb::app
