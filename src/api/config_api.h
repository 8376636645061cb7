// HTTP adapters for runtime configuration. Secrets are always redacted.
#pragma once

#include "api/services.h"
#include "http/message.h"

namespace sb::api {
http::Response list_config(const Services& s, http::Request& req);
http::Response get_config(const Services& s, http::Request& req);
http::Response put_config(const Services& s, http::Request& req);
http::Response delete_config(const Services& s, http::Request& req);
}  // namespace sb::api
