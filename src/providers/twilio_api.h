// What the two Twilio providers (sms.twilio and whatsapp.twilio) share: the
// account keys, declared once per channel because a provider's keys live
// under its channel's prefix ("sms.twilio.*", "whatsapp.twilio.*"), and the
// Programmable Messaging call both make — POST
// {base_url}/2010-04-01/Accounts/<AccountSid>/Messages.json with HTTP Basic
// auth "<AccountSid>:<AuthToken>" and form fields; 201 Created returns the
// message resource, whose "sid" is the message id. Statuses map as every
// HTTP provider's do (http_client.h): 401 -> PermissionDenied, 429/5xx ->
// Unavailable, other 4xx ({"code": 21211, …}) -> InvalidArgument.
//
// Keys are values and the call shares nothing: thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "config/key.h"
#include "core/result.h"
#include "providers/http_client.h"

namespace sb::config { class ConfigService; }

namespace sb::providers {

struct TwilioAccount {
  std::string base_url;  // without trailing slash
  std::string account_sid;
  std::string auth_token;
  std::string messaging_service_sid;  // may be empty
  HttpTimeouts timeouts;
};

// `<channel>.twilio.{account_sid, auth_token, messaging_service_sid, base_url}`.
struct TwilioKeys {
  // `service_sid_help`: when the channel uses messaging_service_sid (its help text).
  TwilioKeys(const std::string& channel, const std::string& service_sid_help);

  const std::string channel;
  const config::Key<std::string> account_sid;
  const config::Key<std::string> auth_token;
  const config::Key<std::string> messaging_service_sid;
  const config::Key<std::string> base_url;

  // The account from current config; InvalidArgument naming the key when
  // the SID is missing or could break out of the URL path, or the token is
  // missing.
  Result<TwilioAccount> account(const config::ConfigService& config) const;
};

// Creates one message; returns its "sid" ("" if the answer has none).
Result<std::string> twilio_create_message(const TwilioAccount& account, const HeaderList& form);

}  // namespace sb::providers
