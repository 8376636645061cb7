#include "providers/twilio_api.h"

#include "config/config.h"
#include "core/json.h"
#include "providers/keys.h"

namespace sb::providers {

TwilioKeys::TwilioKeys(const std::string& ch, const std::string& service_sid_help)
    : channel(ch),
      account_sid{ch + ".twilio.account_sid", "", "Account SID (AC...)", config::hot},
      auth_token{ch + ".twilio.auth_token", "", "Auth token", config::secret, config::hot},
      messaging_service_sid{ch + ".twilio.messaging_service_sid", "", "Messaging Service SID " + service_sid_help,
                            config::hot},
      base_url{ch + ".twilio.base_url", "https://api.twilio.com", "API base URL (tests point it at a stand-in)",
               keys::kHttpUrl, config::hot} {}

Result<TwilioAccount> TwilioKeys::account(const config::ConfigService& c) const {
  TwilioAccount a{trim_slash(c.get(base_url)), c.get(account_sid), c.get(auth_token), c.get(messaging_service_sid),
                  timeouts_from(c, channel)};
  // The SID becomes a path segment of the URL.
  if (a.account_sid.empty() || a.account_sid.find_first_of("/?#% ") != std::string::npos)
    return Status::invalid(account_sid.name(), "is required when " + channel + ".providers includes twilio");
  if (a.auth_token.empty())
    return Status::invalid(auth_token.name(), "is required when " + channel + ".providers includes twilio");
  return a;
}

Result<std::string> twilio_create_message(const TwilioAccount& account, const HeaderList& form) {
  HttpRequest req;
  req.url = account.base_url + "/2010-04-01/Accounts/" + account.account_sid + "/Messages.json";
  req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  req.basic_auth = std::make_pair(account.account_sid, account.auth_token);
  req.body = form_encode(form);
  req.timeouts = account.timeouts;
  SB_ASSIGN(HttpResponse resp, http_send("twilio", req));
  SB_TRY(check_status("twilio", resp));
  if (auto v = json::parse(resp.body); v.ok() && v->is_object())
    if (auto* p = v->as_object().if_contains("sid"); p && p->is_string()) return std::string(p->get_string());
  return std::string();
}

}  // namespace sb::providers
