// HTTP adapters for durable subscriptions (webhooks / in-process handlers).
#pragma once

#include "api/services.h"
#include "http/message.h"

namespace sb::api {
http::Response create_subscription(const Services& s, http::Request& req);
http::Response list_subscriptions(const Services& s, http::Request& req);
http::Response get_subscription(const Services& s, http::Request& req);
http::Response delete_subscription(const Services& s, http::Request& req);
http::Response replay_subscription(const Services& s, http::Request& req);
}  // namespace sb::api
