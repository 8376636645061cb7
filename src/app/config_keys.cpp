#include "app/config_keys.h"

#include "config/config.h"

namespace sb::app {

void declare_server_keys(config::ConfigService& c) {
  c.declare(kServerDataDir, kStoreDatabase, kStoreSqliteSynchronous, kStorePoolSize, kLogLevel, kLogFormat);
  c.declare(kServerListen, kServerThreads, kServerBlockingThreads);
  c.declare(kHttpMaxBodyBytes, kHttpMaxHeaderBytes, kHttpReadTimeoutMs, kHttpIdleTimeoutMs, kHttpShutdownGraceMs,
            kHttpAccessLog, kHttpTrustedProxies);
  c.declare(kEventsHeartbeatMs, kEventsPollMs);
  c.declare(kSubscriptionsMaxAttempts, kSubscriptionsBackoffBaseMs, kSubscriptionsBackoffMaxMs, kSubscriptionsWorkers,
            kWebhooksTimeoutMs);
}

}  // namespace sb::app
