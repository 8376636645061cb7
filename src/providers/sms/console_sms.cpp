// sms.console — the development default: appends one JSON line per message to
// <data_dir>/outbox/sms.log and logs a summary without the body (SMS bodies
// are mostly one-time codes).
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "core/clock.h"
#include "core/ids.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::sms {
namespace {

class ConsoleSms final : public SmsSender {
 public:
  explicit ConsoleSms(ProviderEnv env) : env_(std::move(env)) {}

  Result<std::string> send(const SmsMessage& m) override {
    std::string id = new_uuid_v7(*env_.clock);
    namespace fs = std::filesystem;
    fs::path dir = fs::path(env_.outbox_dir());
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::unavailable("console: cannot create " + dir.string() + ": " + ec.message());
    boost::json::object line{{"id", id},        {"time", format_rfc3339(env_.clock->now_ms())},
                             {"to", m.to},      {"from", m.from},
                             {"body", m.body}};
    {
      // One writer at a time so concurrent sends never interleave within a line.
      static std::mutex file_mu;
      std::lock_guard lock(file_mu);
      std::ofstream out(dir / "sms.log", std::ios::app | std::ios::binary);
      out << boost::json::serialize(line) << '\n';
      if (!out) return Status::unavailable("console: cannot append to " + (dir / "sms.log").string());
    }
    spdlog::info("sms via console: to={} id={} file={}", m.to, id, (dir / "sms.log").string());
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
