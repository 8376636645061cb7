// push.console — the development default: appends one JSON line per message
// to <data_dir>/outbox/push.log (what the device would receive, plus the
// delivery options) and logs a summary with the endpoint's origin (or the
// token's kind) only; it serves every kind of target. The
// subscription's keys are not written anywhere, and neither the endpoint's
// path (a capability) nor the payload reaches the log.
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/ids.h"
#include "providers/outbox.h"
#include "providers/push/push.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::push {
namespace {

class ConsolePush final : public PushSender {
 public:
  explicit ConsolePush(ProviderEnv env) : env_(std::move(env)) {}

  Result<std::string> send(const PushMessage& m) override {
    std::string id = new_uuid_v7(*env_.clock);
    std::string origin;
    boost::json::object line{{"id", id}, {"time", format_rfc3339(env_.clock->now_ms())}};
    if (const auto* s = std::get_if<WebPushSubscription>(&m.to)) {
      origin = endpoint_origin(s->endpoint);
      // The endpoint tells a developer which browser it was for; the outbox
      // is a local development file, unlike the log.
      line["to"] = boost::json::object{{"endpoint", s->endpoint}};
    } else if (const auto* f = std::get_if<FcmToken>(&m.to)) {
      origin = "fcm";
      line["to"] = boost::json::object{{"fcm", f->token}};
    } else if (const auto* a = std::get_if<ApnsToken>(&m.to)) {
      origin = a->sandbox ? "apns (sandbox)" : "apns";
      line["to"] = boost::json::object{{"apns", a->token}, {"topic", a->topic}, {"sandbox", a->sandbox}};
    }
    line["payload"] = boost::json::parse(push_payload(m));
    line["ttl"] = m.ttl.value_or(0);
    if (!m.urgency.empty()) line["urgency"] = m.urgency;
    if (!m.topic.empty()) line["topic"] = m.topic;
    SB_TRY(append_outbox_line(env_, "push.log", line));
    spdlog::info("push via console: to={} id={} file={}", origin, id, env_.outbox_dir() + "/push.log");
    return id;
  }

 private:
  const ProviderEnv env_;
};

}  // namespace

Factory<PushSender> console_factory(const ProviderEnv& env) {
  return {
      .name = "console",
      .description = "Development: appends each message to <data_dir>/outbox/push.log and logs a summary",
      .keys = {},
      .create = [env](const config::ConfigService&) -> Result<std::unique_ptr<PushSender>> {
        return std::unique_ptr<PushSender>(std::make_unique<ConsolePush>(env));
      },
  };
}

}  // namespace sb::providers::push
