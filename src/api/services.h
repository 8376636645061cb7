// What the HTTP adapters in api/ call into. Built by app::App; every pointer
// outlives the router. Optional services are null until their module lands.
#pragma once

namespace sb::store { class Db; }
namespace sb::events { class EventLog; class LiveFeed; class Subscriptions; }
namespace sb::config { class ConfigService; }
namespace sb::metrics { class Registry; }
namespace sb::providers { class Messaging; }
namespace sb::http { class Router; }
namespace sb::identity { class AuthService; }
namespace sb::access { class AccessControl; }
namespace sb { class ThreadPool; }

namespace sb::api {

class RateLimits;

struct Services {
  store::Db* db = nullptr;
  events::EventLog* events = nullptr;
  events::LiveFeed* feed = nullptr;
  events::Subscriptions* subscriptions = nullptr;
  config::ConfigService* config = nullptr;
  metrics::Registry* metrics = nullptr;
  providers::Messaging* messaging = nullptr;
  ThreadPool* blocking = nullptr;  // for handlers that wait on I/O (provider sends, Argon2id)
  identity::AuthService* auth = nullptr;
  access::AccessControl* access = nullptr;
  RateLimits* limits = nullptr;  // per-account/phone rules taken by handlers
};

// The route table: every route, its handler and its access, in one place.
void add_routes(http::Router& router, const Services& services);

}  // namespace sb::api
