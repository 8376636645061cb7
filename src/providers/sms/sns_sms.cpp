// sms.sns — Amazon SNS Publish to a phone number (Query API): POST
// {endpoint}/ (endpoint https://sns.<region>.amazonaws.com) signed with AWS
// Signature V4 for service "sns", form fields Action=Publish / PhoneNumber /
// Message / Version=2010-03-31, plus SMS message attributes: the sender
// (AWS.MM.SMS.OriginationNumber for an E.164 number, AWS.SNS.SMS.SenderID
// for an alphanumeric id) and AWS.SNS.SMS.SMSType when configured. 200
// returns XML <PublishResponse><PublishResult><MessageId>. Errors:
// aws::check_response (XML <Code>Throttling</Code> retried).
#include <optional>
#include <string>

#include "providers/address.h"
#include "providers/aws_api.h"
#include "providers/aws_sigv4.h"
#include "providers/http_client.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::sms {
namespace {

// Text of the first <tag>…</tag>; the answer is small and flat enough that a
// search beats an XML parser dependency.
std::string xml_text(const std::string& xml, const std::string& tag) {
  size_t open = xml.find("<" + tag + ">");
  if (open == std::string::npos) return {};
  open += tag.size() + 2;
  size_t close = xml.find("</" + tag + ">", open);
  return close == std::string::npos ? std::string() : xml.substr(open, close - open);
}

// MessageAttributes.entry.N.{Name, Value.DataType, Value.StringValue}.
void add_attribute(HeaderList& form, int& n, const std::string& name, const std::string& value) {
  const std::string entry = "MessageAttributes.entry." + std::to_string(++n);
  form.emplace_back(entry + ".Name", name);
  form.emplace_back(entry + ".Value.DataType", "String");
  form.emplace_back(entry + ".Value.StringValue", value);
}

class SnsSms final : public SmsSender {
 public:
  SnsSms(aws::Settings settings, std::string sms_type, const Clock& clock, HttpTimeouts timeouts)
      : settings_(std::move(settings)),
        url_(settings_.endpoint + "/"),
        sms_type_(std::move(sms_type)),
        clock_(clock),
        timeouts_(timeouts) {}

  Result<std::string> send(const SmsMessage& m) override {
    HeaderList form{{"Action", "Publish"}, {"PhoneNumber", m.to}, {"Message", m.body}};
    int n = 0;
    // Without either, SNS picks the sender (the account's default or a shared number).
    if (is_e164(m.from)) add_attribute(form, n, "AWS.MM.SMS.OriginationNumber", m.from);
    else if (!m.from.empty()) add_attribute(form, n, "AWS.SNS.SMS.SenderID", m.from);
    if (!sms_type_.empty()) add_attribute(form, n, "AWS.SNS.SMS.SMSType", sms_type_);
    form.emplace_back("Version", "2010-03-31");

    HttpRequest req;
    req.url = url_;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    req.body = form_encode(form);
    req.timeouts = timeouts_;
    // Signed per attempt: a retry gets a fresh X-Amz-Date.
    SB_TRY(aws::sign(req, settings_.credentials, settings_.region, "sns", clock_.now_ms()).status());
    SB_ASSIGN(HttpResponse resp, http_send("sns", req));
    SB_TRY(aws::check_response("sns", resp));
    return xml_text(resp.body, "MessageId");
  }

 private:
  const aws::Settings settings_;
  const std::string url_, sms_type_;
  const Clock& clock_;
  const HttpTimeouts timeouts_;
};

const config::Key<std::string> kRegion{"sms.sns.region", "", "AWS region that sends the SMS, e.g. us-east-1",
                                       aws::kRegionCheck, config::hot};
const config::Key<std::string> kAccessKeyId{"sms.sns.access_key_id", "", "AWS access key id (IAM permission sns:Publish)",
                                            config::hot};
const config::Key<std::string> kSecretAccessKey{"sms.sns.secret_access_key", "", "AWS secret access key",
                                                config::secret, config::hot};
const config::Key<std::string> kSessionToken{"sms.sns.session_token", "",
                                             "AWS session token, for temporary (STS) credentials only",
                                             config::secret, config::hot};
const config::Key<std::string> kEndpoint{
    "sms.sns.endpoint", "", "API base URL; empty = https://sns.{region}.amazonaws.com (tests point it at a stand-in)",
    aws::kEndpointCheck, config::hot};
// config::one_of would document the empty choice as a bare " | ".
const auto kSmsTypeCheck = config::check(
    [](const std::string& v) -> std::optional<std::string> {
      if (v.empty() || v == "Transactional" || v == "Promotional") return std::nullopt;
      return "must be Transactional, Promotional or empty";
    },
    "empty, Transactional or Promotional");
const config::Key<std::string> kSmsType{"sms.sns.sms_type", "",
                                        "AWS.SNS.SMS.SMSType of each message; empty = the account's default",
                                        kSmsTypeCheck, config::hot};

}  // namespace

Factory<SmsSender> sns_factory(const ProviderEnv& env) {
  return {
      .name = "sns",
      .description = "Amazon SNS Publish to a phone number (AWS Signature V4)",
      .keys = {kRegion.spec(), kAccessKeyId.spec(), kSecretAccessKey.spec(), kSessionToken.spec(), kEndpoint.spec(),
               kSmsType.spec()},
      .create = [clock = env.clock](const config::ConfigService& c) -> Result<std::unique_ptr<SmsSender>> {
        SB_ASSIGN(aws::Settings s,
                  aws::read_settings(c, {kRegion, kAccessKeyId, kSecretAccessKey, kSessionToken, kEndpoint},
                                     "sms", "sns", "sns"));
        return std::unique_ptr<SmsSender>(
            std::make_unique<SnsSms>(std::move(s), c.get(kSmsType), *clock, timeouts_from(c, "sms")));
      },
  };
}

}  // namespace sb::providers::sms
