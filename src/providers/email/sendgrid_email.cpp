// email.sendgrid — SendGrid v3 Mail Send: POST {base_url}/v3/mail/send with
// "Authorization: Bearer <api_key>" and a JSON body of personalizations /
// from / reply_to / subject / content / headers. 202 means accepted; the
// message id comes back in the X-Message-Id response header.
#include <boost/json.hpp>

#include "providers/address.h"
#include "providers/http_client.h"
#include "providers/keys.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::email {
namespace {

namespace bj = boost::json;

bj::object address(const std::string& text) {
  auto mb = parse_mailbox(text);  // validated upstream
  bj::object o{{"email", mb ? mb->address : text}};
  if (mb && !mb->name.empty()) o["name"] = mb->name;
  return o;
}

bj::array addresses(const std::vector<std::string>& list) {
  bj::array a;
  for (const auto& s : list) a.push_back(address(s));
  return a;
}

class SendgridEmail final : public EmailSender {
 public:
  SendgridEmail(std::string base_url, std::string api_key, HttpTimeouts timeouts)
      : url_(trim_slash(std::move(base_url)) + "/v3/mail/send"),
        api_key_(std::move(api_key)),
        timeouts_(timeouts) {}

  Result<std::string> send(const EmailMessage& m) override {
    bj::object personalization{{"to", addresses(m.to)}};
    // SendGrid rejects empty cc/bcc arrays, so they are only present when used.
    if (!m.cc.empty()) personalization["cc"] = addresses(m.cc);
    if (!m.bcc.empty()) personalization["bcc"] = addresses(m.bcc);
    bj::array content;
    // SendGrid requires text/plain before text/html.
    if (!m.text.empty()) content.push_back(bj::object{{"type", "text/plain"}, {"value", m.text}});
    if (!m.html.empty()) content.push_back(bj::object{{"type", "text/html"}, {"value", m.html}});
    bj::object body{{"personalizations", bj::array{personalization}},
                    {"from", address(m.from)},
                    {"subject", m.subject},
                    {"content", std::move(content)}};
    if (!m.reply_to.empty()) body["reply_to"] = address(m.reply_to);
    if (!m.headers.empty()) {
      bj::object h;
      for (const auto& [k, v] : m.headers) h[k] = v;
      body["headers"] = std::move(h);
    }
    HttpRequest req;
    req.url = url_;
    req.headers = {{"Authorization", "Bearer " + api_key_}, {"Content-Type", "application/json"}};
    req.body = bj::serialize(body);
    req.timeouts = timeouts_;
    SB_ASSIGN(HttpResponse resp, http_send("sendgrid", req));
    SB_TRY(check_status("sendgrid", resp));
    return resp.header("x-message-id");
  }

 private:
  const std::string url_;
  const std::string api_key_;
  const HttpTimeouts timeouts_;
};

const config::Key<std::string> kApiKey{"email.sendgrid.api_key", "", "SendGrid API key (Mail Send permission)",
                                       config::secret, config::hot};
const config::Key<std::string> kBaseUrl{"email.sendgrid.base_url", "https://api.sendgrid.com",
                                        "API base URL (tests point it at a stand-in)", keys::kHttpUrl, config::hot};

}  // namespace

Factory<EmailSender> sendgrid_factory(const ProviderEnv&) {
  return {
      .name = "sendgrid",
      .description = "SendGrid v3 Mail Send API",
      .keys = {kApiKey.spec(), kBaseUrl.spec()},
      .create = [](const config::ConfigService& c) -> Result<std::unique_ptr<EmailSender>> {
        std::string key = c.get(kApiKey);
        if (key.empty())
          return Status::invalid(kApiKey.name(), "is required when email.providers includes sendgrid");
        return std::unique_ptr<EmailSender>(std::make_unique<SendgridEmail>(
            c.get(kBaseUrl), key, timeouts_from(c, "email")));
      },
  };
}

}  // namespace sb::providers::email
