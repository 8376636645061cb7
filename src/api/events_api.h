// HTTP adapters for the event log: publish (single or batch), history, live
// stream (Server-Sent Events).
#pragma once

#include "api/services.h"
#include "http/message.h"

namespace sb::api {
constexpr size_t kMaxBatch = 1000;
void publish_events(const Services& s, http::Request& req, http::Respond respond);
http::Response list_events(const Services& s, http::Request& req);
http::Response stream_events(const Services& s, http::Request& req);
}  // namespace sb::api
