// HTTP adapters for the event log: publish (single or batch), history, live
// stream (Server-Sent Events).
#pragma once

#include "api/component.h"
#include "config/key.h"
#include "http/message.h"

#include <memory>

#include "api/subscriptions_api.h"

namespace sb::events { class EventLog; class LiveFeed; class Subscriptions; }

namespace sb::api {

// Read at start: by App for the live feed, by EventsComponent for deliveries.
namespace events_keys {
using config::at_least;
using config::Key;
inline const Key<int64_t> kHeartbeatMs{"events.heartbeat_ms", 15'000, "SSE keep-alive comment interval", at_least(100)};
// One indexed read of the log per poll; 50 ms keeps a flag, config or
// permission change made on another instance under 100 ms away.
inline const Key<int64_t> kPollMs{"events.poll_ms", 50, "How often live feeds look for other instances' events",
                                  at_least(10)};
inline const Key<int64_t> kMaxAttempts{"subscriptions.max_attempts", 8,
                                       "Delivery attempts before an event is dead-lettered", at_least(1)};
inline const Key<int64_t> kBackoffBaseMs{"subscriptions.backoff_base_ms", 1000,
                                         "First retry delay cap (doubles per attempt, full jitter)", at_least(1)};
inline const Key<int64_t> kBackoffMaxMs{"subscriptions.backoff_max_ms", 300'000, "Largest retry delay", at_least(1)};
inline const Key<int64_t> kWorkers{"subscriptions.workers", 4, "Concurrent deliveries (one per subscription at a time)",
                                   at_least(1)};
inline const Key<int64_t> kWebhookTimeoutMs{"webhooks.timeout_ms", 10'000, "Per-delivery HTTP timeout", at_least(100)};
}  // namespace events_keys

struct EventsDeps {
  events::EventLog* events = nullptr;
  events::LiveFeed* feed = nullptr;
};

constexpr size_t kMaxBatch = 1000;
void publish_events(const EventsDeps& s, http::Request& req, http::Respond respond);
http::Response list_events(const EventsDeps& s, http::Request& req);
http::Response stream_events(const EventsDeps& s, http::Request& req);

// The event log's HTTP side (publish, history, stream) and durable
// subscriptions with their webhook deliveries.
class EventsComponent final : public Component {
 public:
  explicit EventsComponent(Kernel& kernel);
  ~EventsComponent() override;
  void declare(Declarations& d) override;
  Status init() override;
  void routes(std::vector<http::Route>& out) override;
  Status start() override;
  void stop() override;

  events::Subscriptions& subscriptions() { return *subscriptions_; }

 private:
  Kernel& kernel_;
  std::unique_ptr<events::Subscriptions> subscriptions_;
  EventsDeps events_deps_;
  SubscriptionsDeps subscriptions_deps_;
};

}  // namespace sb::api
