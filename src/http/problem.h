// RFC 9457 problem+json responses. The one table mapping Status codes to
// HTTP statuses lives in problem.cpp.
#pragma once

#include "core/result.h"
#include "http/message.h"

namespace sb::http {

int status_for(Code code);
// {"type","title","status","detail","instance","request_id","errors":[{"field","message"}]}
// A 429 also carries Retry-After (seconds, >= 1) from status.retry_after_ms().
Response problem(const Status& status, const std::string& request_id = "");
Response problem(int http_status, const std::string& type_slug, const std::string& title,
                 const std::string& detail, const std::string& request_id = "");

}  // namespace sb::http
