#pragma once

#include "api/services.h"
#include "http/message.h"

namespace sb::api {
http::Response health(http::Request& req);
http::Response ready(const Services& s, http::Request& req);
http::Response metrics(const Services& s, http::Request& req);
}  // namespace sb::api
