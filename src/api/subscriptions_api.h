// HTTP adapters for durable subscriptions (webhooks / in-process handlers).
#pragma once

#include "api/component.h"
#include "http/message.h"

namespace sb::events { class Subscriptions; }

namespace sb::api {

struct SubscriptionsDeps {
  events::Subscriptions* subscriptions = nullptr;
};

http::Response create_subscription(const SubscriptionsDeps& s, http::Request& req);
http::Response list_subscriptions(const SubscriptionsDeps& s, http::Request& req);
http::Response get_subscription(const SubscriptionsDeps& s, http::Request& req);
http::Response delete_subscription(const SubscriptionsDeps& s, http::Request& req);
http::Response replay_subscription(const SubscriptionsDeps& s, http::Request& req);

}  // namespace sb::api
