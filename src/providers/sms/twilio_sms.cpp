// sms.twilio — Twilio Programmable Messaging (providers/twilio_api.h): form
// fields To / From (or MessagingServiceSid) / Body, and StatusCallback when
// configured (where Twilio posts delivery status: notify's
// /v1/notifications/callbacks/twilio).
#include "providers/keys.h"
#include "providers/registry.h"
#include "providers/sender.h"
#include "providers/twilio_api.h"

namespace sb::providers::sms {
namespace {

class TwilioSms final : public SmsSender {
 public:
  TwilioSms(TwilioAccount account, std::string status_callback)
      : account_(std::move(account)), status_callback_(std::move(status_callback)) {}

  Result<std::string> send(const SmsMessage& m) override {
    HeaderList form{{"To", m.to}};
    if (!m.from.empty()) form.emplace_back("From", m.from);
    else if (!account_.messaging_service_sid.empty()) form.emplace_back("MessagingServiceSid", account_.messaging_service_sid);
    else return Status::invalid("/from", "is required by twilio (or set sms.from or sms.twilio.messaging_service_sid)");
    form.emplace_back("Body", m.body);
    if (!status_callback_.empty()) form.emplace_back("StatusCallback", status_callback_);
    return twilio_create_message(account_, form);
  }

 private:
  const TwilioAccount account_;
  const std::string status_callback_;
};

const TwilioKeys kKeys{"sms", "used when a message has no from and sms.from is unset"};
const config::Key<std::string> kStatusCallback{
    "sms.twilio.status_callback", "",
    "URL Twilio posts each message's delivery status to (StatusCallback), e.g. "
    "https://api.example.com/v1/notifications/callbacks/twilio; empty = none (or the Messaging Service's)",
    config::hot, config::check(
                     [](const std::string& v) -> std::optional<std::string> {
                       return v.empty() ? std::nullopt : check_http_url(v);
                     },
                     "empty, or an http:// or https:// URL")};

}  // namespace

Factory<SmsSender> twilio_factory(const ProviderEnv&) {
  return {
      .name = "twilio",
      .description = "Twilio Programmable Messaging API",
      .keys = {kKeys.account_sid.spec(), kKeys.auth_token.spec(), kKeys.messaging_service_sid.spec(),
               kStatusCallback.spec(), kKeys.base_url.spec()},
      .create = [](const config::ConfigService& c) -> Result<std::unique_ptr<SmsSender>> {
        SB_ASSIGN(TwilioAccount account, kKeys.account(c));
        return std::unique_ptr<SmsSender>(std::make_unique<TwilioSms>(std::move(account), c.get(kStatusCallback)));
      },
  };
}

}  // namespace sb::providers::sms
