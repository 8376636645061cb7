// sms.webhook — hands each message to your own gateway: POST <url> with
// JSON {"to", "from", "body"} and, when a token is configured,
// "Authorization: Bearer <token>". Any 2xx is success; an "id" (or
// "message_id") string in a JSON response becomes the message id.
#include <boost/json.hpp>

#include "core/json.h"
#include "providers/http_client.h"
#include "providers/keys.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::sms {
namespace {

class WebhookSms final : public SmsSender {
 public:
  WebhookSms(std::string url, std::string token, HttpTimeouts timeouts)
      : url_(std::move(url)), token_(std::move(token)), timeouts_(timeouts) {}

  Result<std::string> send(const SmsMessage& m) override {
    HttpRequest req;
    req.url = url_;
    req.headers = {{"Content-Type", "application/json"}};
    if (!token_.empty()) req.headers.emplace_back("Authorization", "Bearer " + token_);
    req.body = boost::json::serialize(boost::json::object{{"to", m.to}, {"from", m.from}, {"body", m.body}});
    req.timeouts = timeouts_;
    SB_ASSIGN(HttpResponse resp, http_send("webhook", req));
    SB_TRY(check_status("webhook", resp));
    if (auto v = json::parse(resp.body); v.ok() && v->is_object()) {
      for (const char* k : {"id", "message_id"})
        if (auto* p = v->as_object().if_contains(k); p && p->is_string()) return std::string(p->get_string());
    }
    return std::string();
  }

 private:
  const std::string url_, token_;
  const HttpTimeouts timeouts_;
};

const config::Key<std::string> kUrl{"sms.webhook.url", "", "Endpoint that receives the JSON POST", config::hot};
const config::Key<std::string> kToken{"sms.webhook.token", "", "Optional bearer token sent as Authorization",
                                      config::secret, config::hot};

}  // namespace

Factory<SmsSender> webhook_factory(const ProviderEnv&) {
  return {
      .name = "webhook",
      .description = "Generic JSON POST {to, from, body} to your own SMS gateway",
      .keys = {kUrl.spec(), kToken.spec()},
      .create = [](const config::ConfigService& c) -> Result<std::unique_ptr<SmsSender>> {
        std::string url = c.get(kUrl);
        if (url.empty()) return Status::invalid(kUrl.name(), "is required when sms.providers includes webhook");
        if (auto bad = check_http_url(url)) return Status::invalid(kUrl.name(), *bad);
        return std::unique_ptr<SmsSender>(std::make_unique<WebhookSms>(
            url, c.get(kToken), timeouts_from(c, "sms")));
      },
  };
}

}  // namespace sb::providers::sms
