// The route table. Every route Switchboard serves is listed here with the
// access it requires; docs/openapi.yaml documents each one.
#include "api/config_api.h"
#include "api/events_api.h"
#include "api/health_api.h"
#include "api/messages_api.h"
#include "api/services.h"
#include "api/subscriptions_api.h"
#include "http/router.h"

namespace sb::api {

using http::Access;
using http::Request;
using http::Respond;
using http::sync;

void add_routes(http::Router& r, const Services& s) {
  auto bind = [&s](http::Response (*fn)(const Services&, Request&)) {
    return sync([&s, fn](Request& req) { return fn(s, req); });
  };
  // Operations
  r.add({"GET", "/health", sync(health), Access::kPublic});
  r.add({"GET", "/ready", bind(ready), Access::kPublic});
  r.add({"GET", "/metrics", bind(metrics), Access::kPublic});
  // Event log
  r.add({"POST", "/v1/events", [&s](Request& q, Respond d) { publish_events(s, q, std::move(d)); }, Access::kAdmin});
  r.add({"GET", "/v1/events", bind(list_events), Access::kAdmin});
  r.add({"GET", "/v1/events/stream", bind(stream_events), Access::kAdmin});
  // Durable subscriptions
  r.add({"POST", "/v1/subscriptions", bind(create_subscription), Access::kAdmin});
  r.add({"GET", "/v1/subscriptions", bind(list_subscriptions), Access::kAdmin});
  r.add({"GET", "/v1/subscriptions/{id}", bind(get_subscription), Access::kAdmin});
  r.add({"DELETE", "/v1/subscriptions/{id}", bind(delete_subscription), Access::kAdmin});
  r.add({"POST", "/v1/subscriptions/{id}/replay", bind(replay_subscription), Access::kAdmin});
  // Messages (send one now through the provider chain)
  r.add({"POST", "/v1/messages/email", [&s](Request& q, Respond d) { send_email(s, q, std::move(d)); }, Access::kAdmin});
  r.add({"POST", "/v1/messages/sms", [&s](Request& q, Respond d) { send_sms(s, q, std::move(d)); }, Access::kAdmin});
  // Configuration
  r.add({"GET", "/v1/config", bind(list_config), Access::kAdmin});
  r.add({"GET", "/v1/config/{key}", bind(get_config), Access::kAdmin});
  r.add({"PUT", "/v1/config/{key}", bind(put_config), Access::kAdmin});
  r.add({"DELETE", "/v1/config/{key}", bind(delete_config), Access::kAdmin});
}

}  // namespace sb::api
