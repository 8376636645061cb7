// HTTP adapters for sending one email or SMS now through the active provider
// chain. Sends block on provider I/O, so they run on the blocking pool and
// answer asynchronously; the io threads never wait on a provider.
#pragma once

#include "api/services.h"
#include "http/message.h"

namespace sb::api {
void send_email(const Services& s, http::Request& req, http::Respond respond);
void send_sms(const Services& s, http::Request& req, http::Respond respond);
}  // namespace sb::api
