// whatsapp.twilio — Twilio's WhatsApp sender, through the same Programmable
// Messaging call as sms.twilio (providers/twilio_api.h), with the numbers
// prefixed: To=whatsapp:+<to>, From=whatsapp:+<whatsapp.twilio.from> (or
// MessagingServiceSid). Free-form text is Body; a template is a Content
// Template: ContentSid plus ContentVariables, the parameters as the JSON
// object {"1": …, "2": …} that fills the template's {{1}}, {{2}}, ….
//
// A Content Template is named by its SID (HX + 32 hex digits); a message's
// template name that is not one is looked up in whatsapp.twilio.content_sids
// ({"order_shipped": "HX…"}), so that one notify template name works for
// both providers of a chain `["meta", "twilio"]`. Twilio keeps one SID per
// language, so the message's language is not sent.
#include <boost/json.hpp>
#include <cctype>

#include "config/config.h"
#include "providers/address.h"
#include "providers/registry.h"
#include "providers/sender.h"
#include "providers/twilio_api.h"
#include "providers/whatsapp/whatsapp.h"

namespace sb::providers::whatsapp {
namespace {

namespace bj = boost::json;

bool is_content_sid(std::string_view s) {
  return s.size() == 34 && s.substr(0, 2) == "HX" &&
         std::all_of(s.begin() + 2, s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

using ContentSids = std::map<std::string, std::string, std::less<>>;

class TwilioWhatsApp final : public WhatsAppSender {
 public:
  TwilioWhatsApp(TwilioAccount account, std::string from, ContentSids content_sids)
      : account_(std::move(account)), from_(std::move(from)), content_sids_(std::move(content_sids)) {}

  Result<std::string> send(const WhatsAppMessage& m) override {
    HeaderList form{{"To", "whatsapp:" + m.to}};
    if (!from_.empty()) form.emplace_back("From", "whatsapp:" + from_);
    else form.emplace_back("MessagingServiceSid", account_.messaging_service_sid);  // checked at create
    if (m.is_template()) {
      std::string sid = m.template_name;
      if (!is_content_sid(sid)) {
        auto it = content_sids_.find(sid);
        if (it == content_sids_.end())
          return Status::invalid("/template/name", "is neither a Content SID (HX…) nor a name in "
                                                   "whatsapp.twilio.content_sids");
        sid = it->second;
      }
      form.emplace_back("ContentSid", sid);
      if (!m.parameters.empty()) {
        bj::object vars;
        for (size_t i = 0; i < m.parameters.size(); ++i) vars[std::to_string(i + 1)] = m.parameters[i];
        form.emplace_back("ContentVariables", bj::serialize(vars));
      }
    } else {
      form.emplace_back("Body", m.body);
    }
    return twilio_create_message(account_, form);
  }

 private:
  const TwilioAccount account_;
  const std::string from_;
  const ContentSids content_sids_;
};

const TwilioKeys kKeys{"whatsapp", "used as the sender when whatsapp.twilio.from is unset"};
const config::Key<std::string> kFrom{
    "whatsapp.twilio.from", "", "The WhatsApp sender registered with Twilio, E.164 (sent as whatsapp:+…)", config::hot,
    config::check(
        [](const std::string& v) -> std::optional<std::string> {
          if (v.empty() || is_e164(v)) return std::nullopt;
          return "must be a phone number in E.164 format";
        },
        "E.164 number")};
const config::Key<bj::value> kContentSids{
    "whatsapp.twilio.content_sids", bj::object{},
    "Template name -> Content SID, for template names that are not SIDs themselves", config::hot,
    config::check(
        [](const bj::value& v) -> std::optional<std::string> {
          if (!v.is_object()) return "must be an object of template name -> Content SID";
          for (const auto& kv : v.get_object())
            if (!kv.value().is_string() || !is_content_sid(kv.value().get_string()))
              return "\"" + std::string(kv.key()) + "\" must map to a Content SID (HX + 32 hex digits)";
          return std::nullopt;
        },
        "{name = \"HX…\"}")};

}  // namespace

Factory<WhatsAppSender> twilio_factory(const ProviderEnv&) {
  return {
      .name = "twilio",
      .description = "Twilio WhatsApp sender (Programmable Messaging, Content Templates)",
      .keys = {kKeys.account_sid.spec(), kKeys.auth_token.spec(), kFrom.spec(), kKeys.messaging_service_sid.spec(),
               kContentSids.spec(), kKeys.base_url.spec()},
      .create = [](const config::ConfigService& c) -> Result<std::unique_ptr<WhatsAppSender>> {
        SB_ASSIGN(TwilioAccount account, kKeys.account(c));
        std::string from = c.get(kFrom);
        if (from.empty() && account.messaging_service_sid.empty())
          return Status::invalid(kFrom.name(), "is required when whatsapp.providers includes twilio (or set "
                                               "whatsapp.twilio.messaging_service_sid)");
        ContentSids sids;
        bj::value v = c.get(kContentSids);
        if (v.is_object())
          for (const auto& kv : v.get_object())
            if (kv.value().is_string()) sids.emplace(std::string(kv.key()), std::string(kv.value().get_string()));
        return std::unique_ptr<WhatsAppSender>(
            std::make_unique<TwilioWhatsApp>(std::move(account), std::move(from), std::move(sids)));
      },
  };
}

}  // namespace sb::providers::whatsapp
