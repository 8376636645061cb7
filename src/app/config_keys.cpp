#include "app/config_keys.h"

#include "config/config.h"

namespace sb::app {

void declare_server_keys(config::ConfigService& c) {
  c.declare(kServerDataDir, kStoreDatabase, kStoreSqliteSynchronous, kStorePoolSize, kLogLevel, kLogFormat);
  c.declare(kServerListen, kServerThreads, kServerBlockingThreads, kServerBlockingQueue);
  c.declare(kHttpMaxBodyBytes, kHttpMaxHeaderBytes, kHttpReadTimeoutMs, kHttpIdleTimeoutMs, kHttpShutdownGraceMs,
            kHttpAccessLog, kHttpTrustedProxies);
}

}  // namespace sb::app
