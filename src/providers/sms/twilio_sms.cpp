// sms.twilio — Twilio Programmable Messaging: POST
// {base_url}/2010-04-01/Accounts/<AccountSid>/Messages.json with HTTP Basic
// auth "<AccountSid>:<AuthToken>" and form fields To / From (or
// MessagingServiceSid) / Body, and StatusCallback when configured (where
// Twilio posts delivery status: notify's /v1/notifications/callbacks/twilio).
// 201 Created returns the message resource; its "sid" is the message id.
#include <boost/json.hpp>

#include "core/json.h"
#include "providers/http_client.h"
#include "providers/keys.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::sms {
namespace {

class TwilioSms final : public SmsSender {
 public:
  TwilioSms(std::string base_url, std::string sid, std::string token, std::string service_sid,
            std::string status_callback, HttpTimeouts timeouts)
      : url_(trim_slash(std::move(base_url)) + "/2010-04-01/Accounts/" + sid + "/Messages.json"),
        sid_(std::move(sid)),
        token_(std::move(token)),
        service_sid_(std::move(service_sid)),
        status_callback_(std::move(status_callback)),
        timeouts_(timeouts) {}

  Result<std::string> send(const SmsMessage& m) override {
    HeaderList form{{"To", m.to}};
    if (!m.from.empty()) form.emplace_back("From", m.from);
    else if (!service_sid_.empty()) form.emplace_back("MessagingServiceSid", service_sid_);
    else return Status::invalid("/from", "is required by twilio (or set sms.from or sms.twilio.messaging_service_sid)");
    form.emplace_back("Body", m.body);
    if (!status_callback_.empty()) form.emplace_back("StatusCallback", status_callback_);

    HttpRequest req;
    req.url = url_;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.basic_auth = std::make_pair(sid_, token_);
    req.body = form_encode(form);
    req.timeouts = timeouts_;
    SB_ASSIGN(HttpResponse resp, http_send("twilio", req));
    SB_TRY(check_status("twilio", resp));
    if (auto v = json::parse(resp.body); v.ok() && v->is_object())
      if (auto* p = v->as_object().if_contains("sid"); p && p->is_string()) return std::string(p->get_string());
    return std::string();
  }

 private:
  const std::string url_, sid_, token_, service_sid_, status_callback_;
  const HttpTimeouts timeouts_;
};

const config::Key<std::string> kAccountSid{"sms.twilio.account_sid", "", "Account SID (AC...)", config::hot};
const config::Key<std::string> kAuthToken{"sms.twilio.auth_token", "", "Auth token", config::secret, config::hot};
const config::Key<std::string> kMessagingServiceSid{
    "sms.twilio.messaging_service_sid", "",
    "Messaging Service SID used when a message has no from and sms.from is unset", config::hot};
const config::Key<std::string> kStatusCallback{
    "sms.twilio.status_callback", "",
    "URL Twilio posts each message's delivery status to (StatusCallback), e.g. "
    "https://api.example.com/v1/notifications/callbacks/twilio; empty = none (or the Messaging Service's)",
    config::hot, config::check(
                     [](const std::string& v) -> std::optional<std::string> {
                       return v.empty() ? std::nullopt : check_http_url(v);
                     },
                     "empty, or an http:// or https:// URL")};
const config::Key<std::string> kBaseUrl{"sms.twilio.base_url", "https://api.twilio.com",
                                        "API base URL (tests point it at a stand-in)", keys::kHttpUrl, config::hot};

}  // namespace

Factory<SmsSender> twilio_factory(const ProviderEnv&) {
  return {
      .name = "twilio",
      .description = "Twilio Programmable Messaging API",
      .keys = {kAccountSid.spec(), kAuthToken.spec(), kMessagingServiceSid.spec(), kStatusCallback.spec(),
               kBaseUrl.spec()},
      .create = [](const config::ConfigService& c) -> Result<std::unique_ptr<SmsSender>> {
        std::string sid = c.get(kAccountSid);
        std::string token = c.get(kAuthToken);
        if (sid.empty() || sid.find_first_of("/?#% ") != std::string::npos)
          return Status::invalid(kAccountSid.name(), "is required when sms.providers includes twilio");
        if (token.empty())
          return Status::invalid(kAuthToken.name(), "is required when sms.providers includes twilio");
        return std::unique_ptr<SmsSender>(std::make_unique<TwilioSms>(
            c.get(kBaseUrl), sid, token,
            c.get(kMessagingServiceSid), c.get(kStatusCallback), timeouts_from(c, "sms")));
      },
  };
}

}  // namespace sb::providers::sms
