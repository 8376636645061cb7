// email.mailgun — Mailgun Messages API: POST {base_url}/v3/<domain>/messages
// with HTTP Basic auth "api:<api_key>" and form fields from / to (repeated) /
// cc / bcc / subject / text / html / h:Reply-To / h:<Header>. 200 returns
// {"id": "<...>", "message": "Queued. Thank you."}. EU domains use base URL
// https://api.eu.mailgun.net.
#include <boost/json.hpp>

#include "core/json.h"
#include "providers/http_client.h"
#include "providers/keys.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::email {
namespace {

class MailgunEmail final : public EmailSender {
 public:
  MailgunEmail(std::string base_url, std::string domain, std::string api_key, HttpTimeouts timeouts)
      : url_(trim_slash(std::move(base_url)) + "/v3/" + domain + "/messages"),
        api_key_(std::move(api_key)),
        timeouts_(timeouts) {}

  Result<std::string> send(const EmailMessage& m) override {
    HeaderList form{{"from", m.from}};
    for (const auto& a : m.to) form.emplace_back("to", a);
    for (const auto& a : m.cc) form.emplace_back("cc", a);
    for (const auto& a : m.bcc) form.emplace_back("bcc", a);
    form.emplace_back("subject", m.subject);
    if (!m.text.empty()) form.emplace_back("text", m.text);
    if (!m.html.empty()) form.emplace_back("html", m.html);
    if (!m.reply_to.empty()) form.emplace_back("h:Reply-To", m.reply_to);
    for (const auto& [k, v] : m.headers) form.emplace_back("h:" + k, v);

    HttpRequest req;
    req.url = url_;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.basic_auth = std::make_pair(std::string("api"), api_key_);
    req.body = form_encode(form);
    req.timeouts = timeouts_;
    SB_ASSIGN(HttpResponse resp, http_send("mailgun", req));
    SB_TRY(check_status("mailgun", resp));
    std::string id;
    if (auto v = json::parse(resp.body); v.ok() && v->is_object())
      if (auto* p = v->as_object().if_contains("id"); p && p->is_string()) id = std::string(p->get_string());
    if (id.size() >= 2 && id.front() == '<' && id.back() == '>') id = id.substr(1, id.size() - 2);
    return id;
  }

 private:
  const std::string url_;
  const std::string api_key_;
  const HttpTimeouts timeouts_;
};

const config::Key<std::string> kApiKey{"email.mailgun.api_key", "", "Mailgun private API key", config::secret,
                                       config::hot};
const config::Key<std::string> kDomain{"email.mailgun.domain", "", "Sending domain, e.g. mg.example.com", config::hot};
const config::Key<std::string> kBaseUrl{"email.mailgun.base_url", "https://api.mailgun.net",
                                        "API base URL; EU region: https://api.eu.mailgun.net", keys::kHttpUrl,
                                        config::hot};

}  // namespace

Factory<EmailSender> mailgun_factory(const ProviderEnv&) {
  return {
      .name = "mailgun",
      .description = "Mailgun Messages API (US or EU region via base_url)",
      .keys = {kApiKey.spec(), kDomain.spec(), kBaseUrl.spec()},
      .create = [](const config::ConfigService& c) -> Result<std::unique_ptr<EmailSender>> {
        std::string key = c.get(kApiKey);
        std::string domain = c.get(kDomain);
        if (key.empty())
          return Status::invalid(kApiKey.name(), "is required when email.providers includes mailgun");
        if (domain.empty() || domain.find_first_of("/?#% ") != std::string::npos)
          return Status::invalid(kDomain.name(), "is required when email.providers includes mailgun");
        return std::unique_ptr<EmailSender>(std::make_unique<MailgunEmail>(
            c.get(kBaseUrl), domain, key, timeouts_from(c, "email")));
      },
  };
}

}  // namespace sb::providers::email
