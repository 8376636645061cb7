#include "api/sse_stream.h"

#include <charconv>
#include <mutex>

#include "api/json_body.h"
#include "events/live_feed.h"

namespace sb::api {

namespace {

class SseStream final : public http::StreamSource,
                        public events::LiveSubscriber,
                        public std::enable_shared_from_this<SseStream> {
 public:
  SseStream(events::LiveFeed& feed, std::string pattern, int64_t after, SseFrame frame)
      : feed_(feed), pattern_(std::move(pattern)), after_(after), frame_(std::move(frame)) {}

  void start(std::shared_ptr<http::StreamSink> sink) override {
    {
      std::lock_guard lock(mu_);
      sink_ = sink;
    }
    sink->send("retry: 2000\n: connected\n\n");
    id_ = feed_.subscribe(pattern_, after_, shared_from_this());
  }
  void stop() override {
    std::shared_ptr<http::StreamSink> sink;
    {
      std::lock_guard lock(mu_);
      sink = std::move(sink_);
    }
    if (sink) sink->close();
    if (id_) feed_.unsubscribe(id_);
  }
  bool deliver(const events::StoredEvent& e) override {
    std::string frame = frame_(e);
    return frame.empty() || send(std::move(frame));
  }
  bool heartbeat() override { return send(": keepalive\n\n"); }

 private:
  bool send(std::string chunk) {
    std::shared_ptr<http::StreamSink> sink;
    {
      std::lock_guard lock(mu_);
      sink = sink_;
    }
    return sink && sink->send(std::move(chunk));
  }
  events::LiveFeed& feed_;
  const std::string pattern_;
  const int64_t after_;
  const SseFrame frame_;
  uint64_t id_ = 0;
  std::mutex mu_;
  std::shared_ptr<http::StreamSink> sink_;  // guarded by mu_
};

}  // namespace

std::string sse_frame(int64_t sequence, std::string_view name, std::string_view json) {
  std::string out = "id: " + std::to_string(sequence);
  out += "\nevent: ";
  out += name;
  out += "\ndata: ";
  out += json;
  out += "\n\n";
  return out;
}

std::string cloud_event_frame(const events::StoredEvent& e) { return sse_frame(e.sequence, e.type, e.envelope); }

Result<int64_t> sse_resume_point(const http::Request& req, int64_t head) {
  std::string_view last = req.header("last-event-id");
  if (!last.empty()) {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(last.data(), last.data() + last.size(), v);
    if (ec != std::errc() || p != last.data() + last.size() || v < 0)
      return Status::invalid("Last-Event-ID", "must be an event sequence number");
    return v;
  }
  if (req.query_param("after")) return int_param(req, "after", 0, 0, INT64_MAX);
  return head;
}

http::Response sse_response(events::LiveFeed& feed, std::string pattern, int64_t after, SseFrame frame) {
  http::Response r;
  r.status = 200;
  r.headers = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  r.stream = std::make_shared<SseStream>(feed, std::move(pattern), after, std::move(frame));
  return r;
}

}  // namespace sb::api
