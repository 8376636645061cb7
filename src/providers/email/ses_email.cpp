// email.ses — Amazon SES API v2 SendEmail: POST
// {endpoint}/v2/email/outbound-emails (endpoint https://email.<region>.amazonaws.com)
// signed with AWS Signature V4 for service "ses", and a JSON body of
// FromEmailAddress / Destination {To,Cc,Bcc}Addresses / ReplyToAddresses /
// Content.Simple {Subject, Body {Text, Html}, Headers}. 200 returns
// {"MessageId": "..."}. Errors: aws::check_response (throttling retried).
#include <boost/json.hpp>

#include "core/json.h"
#include "providers/address.h"
#include "providers/aws_api.h"
#include "providers/aws_sigv4.h"
#include "providers/http_client.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::email {
namespace {

namespace bj = boost::json;

// SES takes RFC 5322 mailboxes; non-ASCII display names must be RFC 2047
// encoded-words, which format_mailbox produces. Its folding (CRLF SP between
// long names' words) is dropped: SES writes the header line itself, and the
// space that stays is what separates the words.
std::string mailbox(const std::string& text) {
  auto mb = parse_mailbox(text);  // validated upstream
  if (!mb) return text;
  std::string out = format_mailbox(*mb);
  std::erase(out, '\r');
  std::erase(out, '\n');
  return out;
}

bj::array mailboxes(const std::vector<std::string>& list) {
  bj::array a;
  for (const auto& s : list) a.emplace_back(mailbox(s));
  return a;
}

// SES assumes 7-bit ASCII without a charset; our text is UTF-8.
bj::object utf8(const std::string& data) { return {{"Data", data}, {"Charset", "UTF-8"}}; }

class SesEmail final : public EmailSender {
 public:
  SesEmail(aws::Settings settings, const Clock& clock, HttpTimeouts timeouts)
      : settings_(std::move(settings)),
        url_(settings_.endpoint + "/v2/email/outbound-emails"),
        clock_(clock),
        timeouts_(timeouts) {}

  Result<std::string> send(const EmailMessage& m) override {
    bj::object destination{{"ToAddresses", mailboxes(m.to)}};
    if (!m.cc.empty()) destination["CcAddresses"] = mailboxes(m.cc);
    if (!m.bcc.empty()) destination["BccAddresses"] = mailboxes(m.bcc);
    bj::object body_parts;
    if (!m.text.empty()) body_parts["Text"] = utf8(m.text);
    if (!m.html.empty()) body_parts["Html"] = utf8(m.html);
    bj::object simple{{"Subject", utf8(m.subject)}, {"Body", std::move(body_parts)}};
    if (!m.headers.empty()) {
      bj::array headers;
      for (const auto& [k, v] : m.headers) headers.push_back(bj::object{{"Name", k}, {"Value", v}});
      simple["Headers"] = std::move(headers);
    }
    bj::object body{{"FromEmailAddress", mailbox(m.from)},
                    {"Destination", std::move(destination)},
                    {"Content", bj::object{{"Simple", std::move(simple)}}}};
    if (!m.reply_to.empty()) body["ReplyToAddresses"] = bj::array{bj::value(mailbox(m.reply_to))};

    HttpRequest req;
    req.url = url_;
    req.headers = {{"Content-Type", "application/json"}};
    req.body = bj::serialize(body);
    req.timeouts = timeouts_;
    // Signed per attempt: a retry gets a fresh X-Amz-Date (AWS refuses
    // signatures older than 5 minutes).
    SB_TRY(aws::sign(req, settings_.credentials, settings_.region, "ses", clock_.now_ms()).status());
    SB_ASSIGN(HttpResponse resp, http_send("ses", req));
    SB_TRY(aws::check_response("ses", resp));
    if (auto v = json::parse(resp.body); v.ok() && v->is_object())
      if (auto* p = v->as_object().if_contains("MessageId"); p && p->is_string()) return std::string(p->get_string());
    return std::string();
  }

 private:
  const aws::Settings settings_;
  const std::string url_;
  const Clock& clock_;
  const HttpTimeouts timeouts_;
};

const config::Key<std::string> kRegion{"email.ses.region", "", "AWS region of the SES account, e.g. eu-west-1",
                                       aws::kRegionCheck, config::hot};
const config::Key<std::string> kAccessKeyId{"email.ses.access_key_id", "",
                                            "AWS access key id (IAM permission ses:SendEmail)", config::hot};
const config::Key<std::string> kSecretAccessKey{"email.ses.secret_access_key", "", "AWS secret access key",
                                                config::secret, config::hot};
const config::Key<std::string> kSessionToken{"email.ses.session_token", "",
                                             "AWS session token, for temporary (STS) credentials only",
                                             config::secret, config::hot};
const config::Key<std::string> kEndpoint{
    "email.ses.endpoint", "",
    "API base URL; empty = https://email.{region}.amazonaws.com (tests point it at a stand-in)",
    aws::kEndpointCheck, config::hot};

}  // namespace

Factory<EmailSender> ses_factory(const ProviderEnv& env) {
  return {
      .name = "ses",
      .description = "Amazon SES API v2 SendEmail (AWS Signature V4)",
      .keys = {kRegion.spec(), kAccessKeyId.spec(), kSecretAccessKey.spec(), kSessionToken.spec(),
               kEndpoint.spec()},
      .create = [clock = env.clock](const config::ConfigService& c) -> Result<std::unique_ptr<EmailSender>> {
        SB_ASSIGN(aws::Settings s,
                  aws::read_settings(c, {kRegion, kAccessKeyId, kSecretAccessKey, kSessionToken, kEndpoint},
                                     "email", "ses", "email"));
        return std::unique_ptr<EmailSender>(std::make_unique<SesEmail>(std::move(s), *clock, timeouts_from(c, "email")));
      },
  };
}

}  // namespace sb::providers::email
