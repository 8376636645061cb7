// sms.console — the development default: appends one JSON line per message to
// <data_dir>/outbox/sms.log and logs a summary without the body (SMS bodies
// are mostly one-time codes).
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/ids.h"
#include "providers/outbox.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::sms {
namespace {

class ConsoleSms final : public SmsSender {
 public:
  explicit ConsoleSms(ProviderEnv env) : env_(std::move(env)) {}

  Result<std::string> send(const SmsMessage& m) override {
    std::string id = new_uuid_v7(*env_.clock);
    boost::json::object line{{"id", id},        {"time", format_rfc3339(env_.clock->now_ms())},
                             {"to", m.to},      {"from", m.from},
                             {"body", m.body}};
    SB_TRY(append_outbox_line(env_, "sms.log", line));
    spdlog::info("sms via console: to={} id={} file={}", m.to, id, env_.outbox_dir() + "/sms.log");
    return id;
  }

 private:
  const ProviderEnv env_;
};

}  // namespace

Factory<SmsSender> console_factory(const ProviderEnv& env) {
  return {
      .name = "console",
      .description = "Development: appends each message to <data_dir>/outbox/sms.log and logs a summary",
      .keys = {},
      .create = [env](const config::ConfigService&) -> Result<std::unique_ptr<SmsSender>> {
        return std::unique_ptr<SmsSender>(std::make_unique<ConsoleSms>(env));
      },
  };
}

}  // namespace sb::providers::sms
