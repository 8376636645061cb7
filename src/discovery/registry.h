// discovery::Registry — which instances of which services exist and whether
// they are healthy. Instances register over HTTP with a health check: a TTL
// the instance renews by heartbeating, and/or an active HTTP or TCP check
// that Switchboard runs (checker.h). Every change (registered, health
// changed, deregistered) bumps the registry's index and appends its event in
// the same transaction; every instance keeps the services in memory and
// follows those events, so discovery is answered from memory, the same on
// every instance, and a watcher blocks until the index passes the one it saw.
//
// Thread-safe.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "events/event_type.h"

namespace sb::store { class Db; class Tx; }
namespace sb::events { class EventLog; struct Event; }

namespace sb::discovery {

inline constexpr std::string_view kDiscoverySource = "/switchboard/discovery";
inline constexpr events::EventType kServiceRegistered{kDiscoverySource, "service.registered",
                                                      "An instance registered (or re-registered with changes)"};
inline constexpr events::EventType kServiceHealthChanged{
    kDiscoverySource, "service.health_changed", "An instance's health changed (passing <-> critical); data has why"};
inline constexpr events::EventType kServiceDeregistered{
    kDiscoverySource, "service.deregistered", "An instance left: deregistered, or critical past its deregister delay"};
inline constexpr const events::EventType* kDiscoveryEventTypes[] = {&kServiceRegistered, &kServiceHealthChanged,
                                                                    &kServiceDeregistered};

enum class Health { kPassing, kCritical };
const char* health_name(Health h);

struct Check {
  int64_t ttl_ms = 0;               // > 0: the instance must heartbeat at least this often
  int64_t deregister_after_ms = 0;  // > 0: removed once critical this long
  std::string http;                 // active HTTP check: GET this URL
  std::string tcp;                  // active TCP check: connect to host:port
  int64_t interval_ms = 10'000;     // active checks: how often (with ±10% jitter)
  int64_t timeout_ms = 2'000;
  int expect_status = 0;            // 0: any 2xx
  int healthy_threshold = 1;        // consecutive passes critical -> passing
  int unhealthy_threshold = 2;      // consecutive failures passing -> critical
  bool active() const { return !http.empty() || !tcp.empty(); }
};

struct Instance {
  std::string service;
  std::string id;
  std::string address;
  int port = 0;
  std::vector<std::string> tags;
  std::map<std::string, std::string> meta;
  std::string version;
  std::string zone;
  Check check;
  Health health = Health::kPassing;
  std::string output;  // why it is critical (the last check's error), "" when passing
  int64_t registered_at_ms = 0;
  int64_t last_heartbeat_ms = 0;
  int64_t critical_since_ms = 0;  // 0 while passing
  int64_t index = 0;              // registry index of its last change
};

// A service as discovery answers it: immutable, shared with readers.
struct Service {
  std::string name;
  int64_t index = 0;  // registry index of the service's last change (0: never seen)
  std::vector<Instance> instances;  // by id
  // instance_json(instances[i]), rendered once per change: discovery
  // answers are spliced from these instead of built per request.
  std::vector<std::string> rendered;
};

// An instance as the API shows it: {"id","address","port","status","tags",
// "meta","version","zone","output"?,"registered_at","last_heartbeat"}.
std::string instance_json(const Instance& in);

// Parses and validates a registration body (docs/openapi.yaml); errors name
// the field ("/port", "/check/http").
Result<Instance> parse_registration(const std::string& service, const std::string& id,
                                    const boost::json::object& body);
Status validate_service_name(std::string_view name, const std::string& field);
Status validate_instance_id(std::string_view id, const std::string& field);

class Registry {
 public:
  Registry(store::Db& db, events::EventLog& log, const Clock& clock);
  ~Registry();

  // Creates or replaces an instance; a re-registration that changes nothing
  // but renews the heartbeat appends no event. Registration counts as a
  // heartbeat: a TTL-checked instance starts passing; an actively checked
  // one starts critical ("not checked yet") until its first check passes.
  Result<Instance> register_instance(const Instance& instance);
  // Renews the TTL; a critical TTL instance becomes passing. NotFound if unknown.
  Status heartbeat(const std::string& service, const std::string& id);
  // NotFound if unknown.
  Status deregister(const std::string& service, const std::string& id, const std::string& reason);

  // ---- reads, from memory
  // The service (empty, index 0, if no instance was ever registered).
  std::shared_ptr<const Service> service(std::string_view name) const;
  std::vector<std::shared_ptr<const Service>> services() const;
  // Instances of `name` that are passing (for the gateway).
  std::vector<Instance> healthy(std::string_view name) const;
  int64_t index() const;

  // Calls `fn(service, index)` after the in-memory state of a service changed
  // (on the thread that applied it; must not block). One listener.
  void on_change(std::function<void(const std::string& service, int64_t index)> fn);

  // ---- state upkeep
  // Loads every service from the store (start-up).
  Status load();
  // Re-reads one service from the store: after local writes and for
  // service.* events from any instance.
  Status reload(const std::string& service);

  // ---- used by the checker (lease holder only)
  // Marks passing TTL instances whose heartbeat is older than their TTL
  // critical, and removes instances critical past their deregister delay.
  // Returns how many changed.
  Result<int> sweep();
  // Records an active check's verdict for an instance (a transition only).
  Status set_health(const std::string& service, const std::string& id, Health health, const std::string& output);

  store::Db& db() { return db_; }

 private:
  Status write_change(const std::string& service, const std::function<Status(store::Tx&, int64_t index)>& change);

  store::Db& db_;
  events::EventLog& log_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const Service>> services_;  // guarded by mu_
  int64_t index_ = 0;                                                         // guarded by mu_
  std::function<void(const std::string&, int64_t)> on_change_;                // set before start
};

}  // namespace sb::discovery
