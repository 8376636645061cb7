// sms.vonage — the Vonage (formerly Nexmo) SMS API: POST
// {base_url}/sms/json, form-encoded api_key / api_secret / from / to / text
// (+ type=unicode when the text is not GSM-7). `to` and a numeric `from` go
// without the leading '+': Vonage wants international digits only.
//
// Vonage answers 200 even when it refused the message; the verdict is each
// part's "status" in {"message-count":"1","messages":[{"status":"0",
// "message-id":…,"error-text":…}]} (developer.vonage.com/api-errors/sms):
//   0 ok · 1 throttled, 5 internal error, 10 too many binds -> Unavailable
//   (retried, then failover) · 4 invalid credentials, 8 account barred,
//   9 quota (no credit), 14 invalid signature -> PermissionDenied (the
//   account's trouble: failover, no retry) · the rest (2 missing, 3 invalid
//   parameters, 6 invalid message, 7 number barred, 15 sender…) ->
//   InvalidArgument. HTTP 429/5xx are Unavailable as for every provider.
#include <algorithm>
#include <boost/json.hpp>

#include "core/json.h"
#include "providers/address.h"
#include "providers/http_client.h"
#include "providers/keys.h"
#include "providers/registry.h"
#include "providers/sender.h"

namespace sb::providers::sms {

namespace {

// Whether every character of UTF-8 `text` is in the GSM 03.38 default
// alphabet or its extension table (^ { } \ [ ~ ] | € and form feed), i.e.
// whether Vonage can send it as type=text (an extension character counts as
// two). Anything else needs type=unicode (UCS-2, 70 characters a part), or
// Vonage would replace it with '?'.
bool is_gsm7(std::string_view text) {
  static constexpr char32_t kNonAscii[] = {
      0xA3, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, 0xD8, 0xF8, 0xC5, 0xE5, 0x394, 0x3A6, 0x393, 0x39B, 0x3A9,
      0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, 0xC6, 0xE6, 0xDF, 0xC9, 0xA4, 0xA1, 0xC4, 0xD6, 0xD1, 0xDC, 0xA7, 0xBF,
      0xE4, 0xF6, 0xF1, 0xFC, 0xE0, 0x20AC /* €, extension table */};
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      // Printable ASCII is all GSM except the backtick; of the controls only LF, CR and FF.
      if ((c >= 0x20 && c < 0x7F && c != '`') || c == '\n' || c == '\r' || c == '\f') {
        ++i;
        continue;
      }
      return false;
    }
    int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (len == 0 || i + len > text.size()) return false;
    char32_t cp = c & (0xFF >> (len + 1));
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    if (std::find(std::begin(kNonAscii), std::end(kNonAscii), cp) == std::end(kNonAscii)) return false;
    i += len;
  }
  return true;
}

std::string without_plus(const std::string& number) {
  return !number.empty() && number[0] == '+' ? number.substr(1) : number;
}

// The Status for one message part's non-zero "status" (see the table above).
Status part_status(const std::string& status, const std::string& error_text) {
  std::string msg = "vonage: status " + status + (error_text.empty() ? "" : ": " + error_text.substr(0, 200));
  if (status == "1" || status == "5" || status == "10") return Status::unavailable(msg);
  if (status == "4" || status == "8" || status == "9" || status == "14") return Status::permission_denied(msg);
  return Status(Code::kInvalidArgument, msg);
}

std::string text_of(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (!v) return "";
  if (v->is_string()) return std::string(v->get_string());
  // Documented as strings; a number is read the same rather than taken for a refusal.
  if (v->is_int64()) return std::to_string(v->get_int64());
  return "";
}

class VonageSms final : public SmsSender {
 public:
  VonageSms(std::string base_url, std::string key, std::string secret, HttpTimeouts timeouts)
      : url_(trim_slash(std::move(base_url)) + "/sms/json"),
        key_(std::move(key)),
        secret_(std::move(secret)),
        timeouts_(timeouts) {}

  Result<std::string> send(const SmsMessage& m) override {
    if (m.from.empty()) return Status::invalid("/from", "is required by vonage (or set sms.from)");
    HeaderList form{{"api_key", key_},
                    {"api_secret", secret_},
                    {"from", is_e164(m.from) ? without_plus(m.from) : m.from},
                    {"to", without_plus(m.to)},
                    {"text", m.body}};
    if (!is_gsm7(m.body)) form.emplace_back("type", "unicode");

    HttpRequest req;
    req.url = url_;
    req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    req.body = form_encode(form);
    req.timeouts = timeouts_;
    SB_ASSIGN(HttpResponse resp, http_send("vonage", req));
    SB_TRY(check_status("vonage", resp));
    auto v = json::parse(resp.body);
    const boost::json::array* parts = nullptr;
    if (v.ok() && v->is_object())
      if (auto* p = v->as_object().if_contains("messages"); p && p->is_array()) parts = &p->get_array();
    if (!parts || parts->empty()) return Status::unavailable("vonage: unexpected answer: " + resp.body.substr(0, 200));
    // A long text is sent as several parts, each with its own status; the
    // first refusal is the answer, the first part's id the message id.
    std::string id;
    for (const auto& part : *parts) {
      if (!part.is_object()) continue;
      const auto& o = part.get_object();
      std::string status = text_of(o, "status");
      if (status != "0") return part_status(status, text_of(o, "error-text"));
      if (id.empty()) id = text_of(o, "message-id");
    }
    return id;
  }

 private:
  const std::string url_, key_, secret_;
  const HttpTimeouts timeouts_;
};

const config::Key<std::string> kApiKey{"sms.vonage.api_key", "", "API key (Vonage dashboard)", config::hot};
const config::Key<std::string> kApiSecret{"sms.vonage.api_secret", "", "API secret", config::secret, config::hot};
const config::Key<std::string> kBaseUrl{"sms.vonage.base_url", "https://rest.nexmo.com",
                                        "API base URL (tests point it at a stand-in)", keys::kHttpUrl, config::hot};

}  // namespace

Factory<SmsSender> vonage_factory(const ProviderEnv&) {
  return {
      .name = "vonage",
      .description = "Vonage (Nexmo) SMS API",
      .keys = {kApiKey.spec(), kApiSecret.spec(), kBaseUrl.spec()},
      .create = [](const config::ConfigService& c) -> Result<std::unique_ptr<SmsSender>> {
        std::string key = c.get(kApiKey);
        std::string secret = c.get(kApiSecret);
        if (key.empty()) return Status::invalid(kApiKey.name(), "is required when sms.providers includes vonage");
        if (secret.empty())
          return Status::invalid(kApiSecret.name(), "is required when sms.providers includes vonage");
        return std::unique_ptr<SmsSender>(
            std::make_unique<VonageSms>(c.get(kBaseUrl), key, secret, timeouts_from(c, "sms")));
      },
  };
}

}  // namespace sb::providers::sms
