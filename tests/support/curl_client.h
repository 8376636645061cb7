// A blocking HTTP/1.1 client for tests (libcurl), plus an SSE reader.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sb::test {

struct HttpResult {
  long status = 0;  // 0 = transport failure
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string error;
};

HttpResult http_request(const std::string& method, const std::string& url, const std::string& body = "",
                        const std::vector<std::string>& headers = {}, long timeout_ms = 10'000);

// Reads a text/event-stream until `on_event` returns false or timeout_ms passes.
// Each event: the "id" and "data" lines of one frame.
struct SseEvent {
  std::string id, event, data;
};
HttpResult read_sse(const std::string& url, const std::vector<std::string>& headers,
                    const std::function<bool(const SseEvent&)>& on_event, long timeout_ms = 10'000);

}  // namespace sb::test
