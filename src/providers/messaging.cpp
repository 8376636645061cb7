#include "providers/messaging.h"

#include <spdlog/spdlog.h>

#include "providers/address.h"
#include "providers/builtin.h"
#include "providers/channel.h"

namespace sb::providers {

namespace {
// Read on every send: a change applies to the next message.
const config::Key<std::string> kEmailFrom{
    "email.from", "no-reply@localhost", "Default From: address, e.g. \"Acme <no-reply@acme.example>\"", config::hot,
    config::check(
        [](const std::string& v) -> std::optional<std::string> {
          if (parse_mailbox(v)) return std::nullopt;
          return "must be an email address";
        },
        "email address")};
const config::Key<std::string> kSmsFrom{
    "sms.from", "", "Default sender: E.164 number or alphanumeric id", config::hot,
    config::check(
        [](const std::string& s) -> std::optional<std::string> {
          if (s.empty() || is_e164(s) || is_sender_id(s)) return std::nullopt;
          return "must be an E.164 phone number or an alphanumeric sender id";
        },
        "E.164 number or sender id")};
}  // namespace

Messaging::Messaging(config::ConfigService& config, const Clock& clock, metrics::Registry* metrics,
                     std::string data_dir, MessagingOptions options)
    : config_(config),
      data_dir_(std::make_shared<std::string>(std::move(data_dir))),
      email_(std::make_unique<Channel<EmailSender, EmailMessage>>("email", config, clock, metrics,
                                                                  options.sleeper, options.random)),
      sms_(std::make_unique<Channel<SmsSender, SmsMessage>>("sms", config, clock, metrics,
                                                            options.sleeper, options.random)) {
  config_.declare(kEmailFrom, kSmsFrom);

  if (options.register_builtins) {
    ProviderEnv env{data_dir_, &clock};
    // Built-in names are fixed and distinct; a failure here is a programming error.
    if (Status s = register_builtin_email(email_->registry(), env); !s)
      spdlog::error("providers: {}", s.to_string());
    if (Status s = register_builtin_sms(sms_->registry(), env); !s)
      spdlog::error("providers: {}", s.to_string());
  }
  (void)reload();  // refusals are logged and kept in email_status()/sms_status()
}

Messaging::~Messaging() = default;

Result<Receipt> Messaging::send_email(EmailMessage m) const {
  if (m.from.empty()) m.from = config_.get(kEmailFrom);
  SB_TRY(validate_email(m, /*require_from=*/true));
  return email_->send(m);
}

Result<Receipt> Messaging::send_sms(SmsMessage m) const {
  if (m.from.empty()) m.from = config_.get(kSmsFrom);
  SB_TRY(validate_sms(m, /*require_from=*/false));
  return sms_->send(m);
}

void Messaging::set_data_dir(const std::string& dir) { *data_dir_ = dir; }

Status Messaging::reload() {
  Status e = email_->reload();
  Status s = sms_->reload();
  return e.is_ok() ? s : e;
}

Registry<EmailSender>& Messaging::email_registry() { return email_->registry(); }
Registry<SmsSender>& Messaging::sms_registry() { return sms_->registry(); }
std::vector<std::string> Messaging::email_providers() const { return email_->registry().list(); }
std::vector<std::string> Messaging::sms_providers() const { return sms_->registry().list(); }
std::vector<std::string> Messaging::email_chain() const { return email_->active(); }
std::vector<std::string> Messaging::sms_chain() const { return sms_->active(); }
Status Messaging::email_status() const { return email_->last_reload(); }
Status Messaging::sms_status() const { return sms_->last_reload(); }

}  // namespace sb::providers
