// HTTP adapters for the event log: publish (single or batch), history, live
// stream (Server-Sent Events).
#pragma once

#include "api/component.h"
#include "http/message.h"

#include <memory>

#include "api/subscriptions_api.h"

namespace sb::events { class EventLog; class LiveFeed; class Subscriptions; }

namespace sb::api {

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
