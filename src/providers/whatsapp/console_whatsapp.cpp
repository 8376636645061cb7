// whatsapp.console — the development default: appends one JSON line per
// message to <data_dir>/outbox/whatsapp.log (the text, or the template with
// its language and parameters) and logs a summary without the content
// (WhatsApp notifications carry one-time codes as often as SMS do).
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "core/clock.h"
#include "core/ids.h"
#include "providers/outbox.h"
#include "providers/registry.h"
#include "providers/sender.h"
#include "providers/whatsapp/whatsapp.h"

namespace sb::providers::whatsapp {
namespace {

class ConsoleWhatsApp final : public WhatsAppSender {
 public:
  explicit ConsoleWhatsApp(ProviderEnv env) : env_(std::move(env)) {}

  Result<std::string> send(const WhatsAppMessage& m) override {
    std::string id = new_uuid_v7(*env_.clock);
    boost::json::object line{{"id", id}, {"time", format_rfc3339(env_.clock->now_ms())}, {"to", m.to}};
    if (m.is_template()) {
      boost::json::array params;
      for (const auto& p : m.parameters) params.emplace_back(p);
      line["template"] = boost::json::object{
          {"name", m.template_name}, {"language", m.language}, {"parameters", std::move(params)}};
    } else {
      line["body"] = m.body;
    }
    SB_TRY(append_outbox_line(env_, "whatsapp.log", line));
    spdlog::info("whatsapp via console: to={} id={} file={}", m.to, id, env_.outbox_dir() + "/whatsapp.log");
    return id;
  }

 private:
  const ProviderEnv env_;
};

}  // namespace

Factory<WhatsAppSender> console_factory(const ProviderEnv& env) {
  return {
      .name = "console",
      .description = "Development: appends each message to <data_dir>/outbox/whatsapp.log and logs a summary",
      .keys = {},
      .create = [env](const config::ConfigService&) -> Result<std::unique_ptr<WhatsAppSender>> {
        return std::unique_ptr<WhatsAppSender>(std::make_unique<ConsoleWhatsApp>(env));
      },
  };
}

}  // namespace sb::providers::whatsapp
