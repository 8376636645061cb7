// The whatsapp channel's value types and sender interface (WhatsAppKind, in
// channel_kinds.h, ties them to the chain).
//
// A WhatsAppMessage goes to one phone number (E.164) and is either
//   - a template message: a template approved for the business account,
//     named by `template_name` in `language`, its body placeholders ({{1}},
//     {{2}}, …) filled from `parameters` in order. WhatsApp allows only these
//     to open a conversation (outside the 24-hour window after the user last
//     wrote), so notifications are normally templates; or
//   - a free-form text `body`, which WhatsApp delivers only inside that
//     window.
// What a template is called differs per provider: Meta uses the template's
// name and language; Twilio its Content SID ("HX" + 32 hex digits), one per
// language, or a name mapped to one in whatsapp.twilio.content_sids.
//
// The sender number is each provider's setting (Meta: the phone number id of
// the business number; Twilio: whatsapp.twilio.from), not the message's: a
// WhatsApp sender is registered with one provider.
//
// JSON of POST /v1/messages/whatsapp:
//   {"to": "+14155550100", "body": "…"}   or
//   {"to": "+14155550100", "template": {"name": "order_shipped", "language": "en_US",
//                                       "parameters": ["A-17", "Tuesday"]}}
//
// Plain value types; the functions are pure and thread-safe.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "core/result.h"

namespace sb::providers {

struct WhatsAppMessage {
  std::string to;             // E.164
  std::string body;           // free-form text; empty for a template message
  std::string template_name;  // empty for a free-form message
  std::string language;       // template language code, e.g. "en_US"; empty = whatsapp.default_language
  std::vector<std::string> parameters;  // the template body's {{1}}, {{2}}, …

  bool is_template() const { return !template_name.empty(); }
};

class WhatsAppSender {
 public:
  virtual ~WhatsAppSender() = default;
  // `m` is validated; a template message has its language set. Returns the
  // provider's message id.
  virtual Result<std::string> send(const WhatsAppMessage& m) = 0;
};

constexpr size_t kMaxWhatsAppTextChars = 4096;     // Meta's limit for a text message body
constexpr size_t kMaxWhatsAppTemplateChars = 512;  // Meta's limit for a template name
constexpr size_t kMaxWhatsAppParameters = 100;     // Twilio's ContentVariables limit; more than any template uses
constexpr size_t kMaxWhatsAppParameterChars = 1024;

// InvalidArgument listing every bad field (/to, /body, /template/name,
// /template/language, /template/parameters/<i>). Exactly one of body and
// template_name. A template name is what both providers accept: letters,
// digits and '_'. A language is a code like "en", "en_US" or "de-AT" ('-'
// is turned into Meta's '_' by WhatsAppKind::prepare).
Status validate_whatsapp(const WhatsAppMessage& m);

// {to, body?, template?: {name, language?, parameters?: [string]}}; unknown
// fields, wrong types and invalid values are one InvalidArgument naming
// each field.
Result<WhatsAppMessage> parse_whatsapp(const boost::json::value& body);

}  // namespace sb::providers
