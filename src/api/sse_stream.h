// Server-Sent Events fed by events::LiveFeed: one class for every live stream
// (GET /v1/events/stream, GET /v1/config/watch). Each event goes out framed
// as `id: <sequence>` / `event: <name>` / `data: <JSON>`, so a client that
// reconnects with Last-Event-ID resumes exactly after the last id it saw; the
// feed replays from the Db what it missed. Thread-safe (the feed thread
// delivers, the io thread starts and stops).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "events/event_log.h"
#include "http/message.h"

namespace sb::events { class LiveFeed; }

namespace sb::api {

// Turns one stored event into the SSE frame to send, or "" to skip it (a
// filtered stream). Runs on the feed thread: must not block.
using SseFrame = std::function<std::string(const events::StoredEvent& e)>;

// The default frame: the CloudEvent as stored, named by its type.
std::string cloud_event_frame(const events::StoredEvent& e);
// "id: <seq>\nevent: <name>\ndata: <json>\n\n". `json` must hold no newline
// (serialized JSON never does).
std::string sse_frame(int64_t sequence, std::string_view name, std::string_view json);

// Where a stream starts: after Last-Event-ID (what browsers send on
// reconnect), else after ?after=, else after `head` (now). InvalidArgument
// naming the header or parameter.
Result<int64_t> sse_resume_point(const http::Request& req, int64_t head);

// A 200 text/event-stream response streaming events matching `pattern`
// (events::validate_pattern) with sequence > after, framed by `frame`.
http::Response sse_response(events::LiveFeed& feed, std::string pattern, int64_t after,
                            SseFrame frame = cloud_event_frame);

}  // namespace sb::api
