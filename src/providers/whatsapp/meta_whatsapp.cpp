// whatsapp.meta — Meta's WhatsApp Cloud API: POST
// {base_url}/{api_version}/{phone_number_id}/messages with
// "Authorization: Bearer <access token>" and a JSON body:
//   {"messaging_product":"whatsapp","to":"<digits>","type":"template",
//    "template":{"name":…,"language":{"code":…},
//                "components":[{"type":"body","parameters":[{"type":"text","text":…}]}]}}
// or, free-form, "type":"text","text":{"body":…}. 200 answers
// {"messaging_product":"whatsapp","contacts":[…],"messages":[{"id":"wamid.…"}]}.
//
// Errors are {"error":{"message","type","code","error_data":{"details"}}};
// Meta asks clients to act on `code`, not on the HTTP status:
//   4, 80007, 130429 (throughput), 131056 (pair rate limit), 1, 2, 131000,
//   131016 (temporary / service unavailable) -> Unavailable: retried, then
//   failover · 0, 3, 10, 190 (token expired or invalid), 200-299
//   (permissions) -> PermissionDenied · 131026 (undeliverable: not a
//   WhatsApp user, or old app) and any other code -> by HTTP status, i.e.
//   InvalidArgument for the 400 they come with;
// without a code, the HTTP status as for every provider (http_client.h).
#include <algorithm>
#include <boost/json.hpp>

#include "core/json.h"
#include "providers/http_client.h"
#include "providers/keys.h"
#include "providers/registry.h"
#include "providers/sender.h"
#include "providers/whatsapp/whatsapp.h"

namespace sb::providers::whatsapp {
namespace {

namespace bj = boost::json;

// A template parameter must not contain line breaks or tabs, nor more than
// four spaces in a row (Meta refuses the message with error 132018). A
// notification's rendered text may have them; sending it on one line beats
// not sending it, so they are folded into single spaces here.
std::string one_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\r' || c == '\t';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Status error_status(const HttpResponse& resp) {
  auto v = json::parse(resp.body);
  const bj::object* err = nullptr;
  if (v.ok() && v->is_object())
    if (auto* e = v->as_object().if_contains("error"); e && e->is_object()) err = &e->get_object();
  const bj::value* code_v = err ? err->if_contains("code") : nullptr;
  if (!code_v || !code_v->is_int64()) return check_status("meta", resp);
  const int64_t code = code_v->get_int64();
  std::string msg = "meta: HTTP " + std::to_string(resp.status) + ", error " + std::to_string(code);
  if (auto* m = err->if_contains("message"); m && m->is_string()) msg += ": " + std::string(m->get_string());
  if (auto* d = err->if_contains("error_data"); d && d->is_object())
    if (auto* det = d->get_object().if_contains("details"); det && det->is_string())
      msg += " (" + std::string(det->get_string()) + ")";
  if (msg.size() > 400) msg.resize(400);
  switch (code) {
    case 1: case 2: case 4: case 80007: case 130429: case 131000: case 131016: case 131056:
      return Status::unavailable(msg);
    case 0: case 3: case 10: case 190:
      return Status::permission_denied(msg);
    default:
      if (code >= 200 && code <= 299) return Status::permission_denied(msg);
      // 131026 and the other codes of a refused message come with a 4xx; an
      // unknown code with a 5xx is still the service's trouble.
      return Status(check_status("meta", resp).code(), msg);
  }
}

class MetaWhatsApp final : public WhatsAppSender {
 public:
  MetaWhatsApp(std::string url, std::string token, HttpTimeouts timeouts)
      : url_(std::move(url)), token_(std::move(token)), timeouts_(timeouts) {}

  Result<std::string> send(const WhatsAppMessage& m) override {
    bj::object body{{"messaging_product", "whatsapp"}, {"to", m.to.substr(m.to[0] == '+' ? 1 : 0)}};
    if (m.is_template()) {
      bj::object tmpl{{"name", m.template_name}, {"language", bj::object{{"code", m.language}}}};
      if (!m.parameters.empty()) {
        bj::array params;
        for (const auto& p : m.parameters) params.emplace_back(bj::object{{"type", "text"}, {"text", one_line(p)}});
        tmpl["components"] = bj::array{bj::object{{"type", "body"}, {"parameters", std::move(params)}}};
      }
      body["type"] = "template";
      body["template"] = std::move(tmpl);
    } else {
      body["type"] = "text";
      body["text"] = bj::object{{"body", m.body}};
    }
    HttpRequest req;
    req.url = url_;
    req.headers = {{"Authorization", "Bearer " + token_}, {"Content-Type", "application/json"}};
    req.body = bj::serialize(body);
    req.timeouts = timeouts_;
    SB_ASSIGN(HttpResponse resp, http_send("meta", req));
    if (resp.status < 200 || resp.status >= 300) return error_status(resp);
    if (auto v = json::parse(resp.body); v.ok() && v->is_object())
      if (auto* msgs = v->as_object().if_contains("messages"); msgs && msgs->is_array() && !msgs->get_array().empty())
        if (auto* first = msgs->get_array()[0].if_object())
          if (auto* id = first->if_contains("id"); id && id->is_string()) return std::string(id->get_string());
    return std::string();
  }

 private:
  const std::string url_, token_;
  const HttpTimeouts timeouts_;
};

// Path segments of the URL: digits (the phone number id) and "v23.0".
bool is_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const config::Key<std::string> kAccessToken{"whatsapp.meta.access_token", "",
                                            "Access token (a System User token of the business)", config::secret,
                                            config::hot};
const config::Key<std::string> kPhoneNumberId{
    "whatsapp.meta.phone_number_id", "", "Phone number ID of the business sender (WhatsApp Manager), not the number",
    config::hot};
const config::Key<std::string> kApiVersion{
    "whatsapp.meta.api_version", "v23.0", "Graph API version in the URL", config::hot,
    config::check(
        [](const std::string& v) -> std::optional<std::string> {
          auto dot = v.find('.');
          if (v.size() > 1 && v[0] == 'v' && dot != std::string::npos && is_digits(v.substr(1, dot - 1)) &&
              is_digits(v.substr(dot + 1)))
            return std::nullopt;
          return "must look like v23.0";
        },
        "vN.M")};
const config::Key<std::string> kBaseUrl{"whatsapp.meta.base_url", "https://graph.facebook.com",
                                        "API base URL (tests point it at a stand-in)", keys::kHttpUrl, config::hot};

}  // namespace

Factory<WhatsAppSender> meta_factory(const ProviderEnv&) {
  return {
      .name = "meta",
      .description = "Meta WhatsApp Cloud API (template and text messages)",
      .keys = {kAccessToken.spec(), kPhoneNumberId.spec(), kApiVersion.spec(), kBaseUrl.spec()},
      .create = [](const config::ConfigService& c) -> Result<std::unique_ptr<WhatsAppSender>> {
        std::string token = c.get(kAccessToken);
        std::string id = c.get(kPhoneNumberId);
        if (token.empty())
          return Status::invalid(kAccessToken.name(), "is required when whatsapp.providers includes meta");
        if (!is_digits(id))
          return Status::invalid(kPhoneNumberId.name(),
                                 "is required when whatsapp.providers includes meta (digits, from WhatsApp Manager)");
        std::string url = trim_slash(c.get(kBaseUrl)) + "/" + c.get(kApiVersion) + "/" + id + "/messages";
        return std::unique_ptr<WhatsAppSender>(
            std::make_unique<MetaWhatsApp>(std::move(url), std::move(token), timeouts_from(c, "whatsapp")));
      },
  };
}

}  // namespace sb::providers::whatsapp
