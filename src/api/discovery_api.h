// HTTP adapters for the service registry (discovery/registry.h):
// registration, heartbeats and deregistration for services, discovery and
// Consul-style blocking watches (?index=N&wait=30s) and an SSE stream of
// changes for their clients.
#pragma once

#include <memory>
#include <string>

#include "api/component.h"
#include "config/key.h"
#include "http/message.h"

namespace sb::discovery { class Registry; class Watchers; class Checker; }

namespace sb::api {

namespace discovery_keys {
inline const config::Key<int64_t> kTickMs{"discovery.tick_ms", 200,
                                          "How often TTLs are swept, due active checks started and watches expired",
                                          config::between(10, 10'000)};
inline const config::Key<int64_t> kLeaseMs{
    "discovery.lease_ms", 5'000, "Lease of the one instance that runs active checks and the TTL sweep",
    config::between(500, 600'000)};
inline const config::Key<int64_t> kCheckWorkers{"discovery.check_workers", 4, "Active health checks in flight at once",
                                                config::between(1, 256)};
}  // namespace discovery_keys

struct DiscoveryDeps {
  discovery::Registry* registry = nullptr;
  discovery::Watchers* watchers = nullptr;
  events::LiveFeed* feed = nullptr;
  events::EventLog* events = nullptr;
};

http::Response register_instance(const DiscoveryDeps& s, http::Request& req);
http::Response heartbeat_instance(const DiscoveryDeps& s, http::Request& req);
http::Response deregister_instance(const DiscoveryDeps& s, http::Request& req);
// GET /v1/services and GET /v1/services/{name}: answer now, or park until
// the index passes ?index= (at most ?wait=, default 60 s, at most 5 min).
void list_services(const DiscoveryDeps& s, http::Request& req, http::Respond respond);
void get_service(const DiscoveryDeps& s, http::Request& req, http::Respond respond);
http::Response stream_service(const DiscoveryDeps& s, http::Request& req);

class DiscoveryComponent final : public Component {
 public:
  explicit DiscoveryComponent(Kernel& kernel);
  ~DiscoveryComponent() override;
  void declare(Declarations& d) override;
  Status init() override;
  void routes(std::vector<http::Route>& out) override;
  Status start() override;
  void stop() override;

  discovery::Registry& registry() { return *registry_; }

 private:
  Kernel& kernel_;
  std::unique_ptr<discovery::Registry> registry_;
  std::unique_ptr<discovery::Watchers> watchers_;
  std::unique_ptr<discovery::Checker> checker_;
  DiscoveryDeps deps_;
};

}  // namespace sb::api
