// sms.twilio — Twilio Programmable Messaging (providers/twilio_api.h): form
// fields To / From (or MessagingServiceSid) / Body.
#include "providers/registry.h"
#include "providers/sender.h"
#include "providers/twilio_api.h"

namespace sb::providers::sms {
namespace {

class TwilioSms final : public SmsSender {
 public:
  explicit TwilioSms(TwilioAccount account) : account_(std::move(account)) {}

  Result<std::string> send(const SmsMessage& m) override {
    HeaderList form{{"To", m.to}};
    if (!m.from.empty()) form.emplace_back("From", m.from);
    else if (!account_.messaging_service_sid.empty()) form.emplace_back("MessagingServiceSid", account_.messaging_service_sid);
    else return Status::invalid("/from", "is required by twilio (or set sms.from or sms.twilio.messaging_service_sid)");
    form.emplace_back("Body", m.body);
    return twilio_create_message(account_, form);
  }

 private:
  const TwilioAccount account_;
};

const TwilioKeys kKeys{"sms", "used when a message has no from and sms.from is unset"};

}  // namespace

Factory<SmsSender> twilio_factory(const ProviderEnv&) {
  return {
      .name = "twilio",
      .description = "Twilio Programmable Messaging API",
      .keys = {kKeys.account_sid.spec(), kKeys.auth_token.spec(), kKeys.messaging_service_sid.spec(),
               kKeys.base_url.spec()},
      .create = [](const config::ConfigService& c) -> Result<std::unique_ptr<SmsSender>> {
        SB_ASSIGN(TwilioAccount account, kKeys.account(c));
        return std::unique_ptr<SmsSender>(std::make_unique<TwilioSms>(std::move(account)));
      },
  };
}

}  // namespace sb::providers::sms
