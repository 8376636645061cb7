// api::Component — one per module: what the module declares (config keys,
// permissions, event types), how it is built from its dependencies, the
// routes it serves and the background work it starts and stops. app::App
// lists the components once, in dependency order; start-up runs that list
// forwards and shutdown backwards, so neither is written twice.
//
// A component lives beside its module's HTTP adapter in api/ (the domain
// folder stays free of HTTP types). Its handlers capture only the services
// the component holds, never a bag of every service.
//
// Life cycle, driven by App:
//   constructor  receives the Kernel and the components it depends on
//   declare()    config keys (before the config file is read), permissions,
//                event types
//   init()       builds the module's services (store, event log and config
//                are open; dependencies are initialised)
//   routes()     adds route rows; App checks every row's permission and
//                rate-limit group against the declarations and refuses to
//                start on an unknown one
//   start()      threads, live-feed subscribers; after the server listens
//   stop()       reverse order; joins what start() began
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "events/event_type.h"
#include "http/router.h"

namespace sb::store { class Db; }
namespace sb::events { class EventLog; class LiveFeed; }
namespace sb::config { class ConfigService; }
namespace sb::metrics { class Registry; }
namespace sb { class ThreadPool; }
namespace sb::resilience { class RateRules; }

namespace sb::api {

// What exists before any component: configuration, the store, the event log
// and its live feed, the blocking pool. Pointers are set by App before
// init(); a constructor or declare() may only use config, metrics and clock.
struct Kernel {
  config::ConfigService& config;
  metrics::Registry& metrics;
  const Clock& clock;
  store::Db* db = nullptr;
  events::EventLog* events = nullptr;
  events::LiveFeed* feed = nullptr;
  ThreadPool* blocking = nullptr;
  resilience::RateRules* limits = nullptr;  // the rate-limit rules; handlers take per-account ones
  std::string data_dir;
  std::string master_key;  // raw 32 bytes; seals config secrets, signing keys and TOTP secrets
  std::string listen;  // the address served: --listen, else server.listen
  // Log head before in-memory state was loaded: live-feed subscribers start
  // here so nothing another instance wrote meanwhile is missed.
  int64_t start_head = 0;
};

struct PermissionSpec {
  std::string name;  // "resource:action"
  std::string description;
};

// Collected from every component's declare().
struct Declarations {
  config::ConfigService& config;
  std::vector<PermissionSpec> permissions;
  std::vector<const events::EventType*> event_types;  // declared constants; they outlive the process

  void permission(std::string name, std::string description) {
    permissions.push_back({std::move(name), std::move(description)});
  }
  void event_type(const events::EventType& type) { event_types.push_back(&type); }
  template <size_t N>
  void event_types_of(const events::EventType* const (&types)[N]) {
    for (auto* t : types) event_types.push_back(t);
  }
};

// A component's route rows. Each row states where its handler runs: io(fn)
// for handlers that never block, pool(fn) for handlers that wait (Db,
// providers, Argon2id); `deps` is the component's own service set.
template <class Deps>
class RouteTable {
 public:
  using SyncFn = http::Response (*)(const Deps&, http::Request&);
  using AsyncFn = void (*)(const Deps&, http::Request&, http::Respond);

  RouteTable(std::vector<http::Route>& out, const Deps& deps) : out_(out), deps_(deps) {}

  void add(http::Route route) { out_.push_back(std::move(route)); }
  http::Endpoint io(SyncFn fn) const { return {sync_handler(fn), http::Run::kIo}; }
  http::Endpoint io(AsyncFn fn) const { return {async_handler(fn), http::Run::kIo}; }
  http::Endpoint pool(SyncFn fn) const { return {sync_handler(fn), http::Run::kBlocking}; }
  http::Endpoint pool(AsyncFn fn) const { return {async_handler(fn), http::Run::kBlocking}; }

 private:
  http::Handler sync_handler(SyncFn fn) const {
    return [d = &deps_, fn](http::Request& req, http::Respond respond) { respond(fn(*d, req)); };
  }
  http::Handler async_handler(AsyncFn fn) const {
    return [d = &deps_, fn](http::Request& req, http::Respond respond) { fn(*d, req, std::move(respond)); };
  }
  std::vector<http::Route>& out_;
  const Deps& deps_;
};

class Component {
 public:
  explicit Component(std::string name) : name_(std::move(name)) {}
  virtual ~Component() = default;
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;

  const std::string& name() const { return name_; }

  virtual void declare(Declarations&) {}
  virtual Status init() { return {}; }
  virtual void routes(std::vector<http::Route>&) {}
  virtual Status start() { return {}; }
  virtual void stop() {}

 private:
  std::string name_;
};

// Checks every route against the declarations: its permission must be
// declared, its rate-limit group must have at least one declared
// `ratelimit.<group>.*` key. The error names the route.
Status check_routes(const std::vector<http::Route>& routes, const Declarations& declared);

}  // namespace sb::api

namespace sb::events { struct Event; }

namespace sb::api {
// Calls `apply` with every event matching `pattern` committed after the
// kernel's start head, by any instance: how in-memory state (config values,
// caches, revocations) follows the log. The subscription lasts until the
// feed stops.
void follow_log(Kernel& kernel, const std::string& pattern, std::function<void(const events::Event&)> apply);
}  // namespace sb::api
