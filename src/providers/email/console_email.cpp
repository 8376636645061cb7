// email.console — the development default: renders the message exactly as
// SMTP would send it and writes it to <data_dir>/outbox/<id>.eml (openable in
// any mail client), logging a one-line summary. The subject and body stay out
// of the log: they often carry one-time codes.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "core/ids.h"
#include "providers/email/mime.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::email {
namespace {

class ConsoleEmail final : public EmailSender {
 public:
  explicit ConsoleEmail(ProviderEnv env) : env_(std::move(env)) {}

  Result<std::string> send(const EmailMessage& m) override {
    std::string id = new_uuid_v7(*env_.clock);
    std::string message_id = make_message_id(id, m.from);
    namespace fs = std::filesystem;
    fs::path dir = fs::path(env_.outbox_dir());
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Status::unavailable("console: cannot create " + dir.string() + ": " + ec.message());
    fs::path file = dir / (id + ".eml");
    {
      std::ofstream out(file, std::ios::binary);
      out << render_message(m, message_id, env_.clock->now_ms());
      if (!out) return Status::unavailable("console: cannot write " + file.string());
    }
    spdlog::info("email via console: to={} recipients={} file={}", m.to.front(),
                 m.to.size() + m.cc.size() + m.bcc.size(), file.string());
    return message_id.substr(1, message_id.size() - 2);
  }

 private:
  const ProviderEnv env_;
};

}  // namespace

Factory<EmailSender> console_factory(const ProviderEnv& env) {
  return {
      .name = "console",
      .description = "Development: writes each message to <data_dir>/outbox/<id>.eml and logs a summary",
      .keys = {},
      .create = [env](const config::ConfigService&) -> Result<std::unique_ptr<EmailSender>> {
        return std::unique_ptr<EmailSender>(std::make_unique<ConsoleEmail>(env));
      },
  };
}

}  // namespace sb::providers::email
