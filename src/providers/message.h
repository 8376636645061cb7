// What the providers send and what they report back: EmailMessage,
// SmsMessage and Receipt, plus validation that names each bad field with a
// JSON-pointer path ("/to/0": "must be an email address") so the HTTP layer
// can return it in problem+json errors[] unchanged.
//
// Plain value types; the validators are pure and thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sb::providers {

struct EmailMessage {
  std::string from;  // empty = config email.from
  std::vector<std::string> to;
  std::vector<std::string> cc;
  std::vector<std::string> bcc;
  std::string reply_to;
  std::string subject;
  std::string text;  // at least one of text/html
  std::string html;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. List-Unsubscribe
};

struct SmsMessage {
  std::string to;    // E.164
  std::string from;  // empty = config sms.from; E.164 or an alphanumeric sender id
  std::string body;
};

struct Receipt {
  std::string provider;    // the provider that accepted the message
  std::string message_id;  // that provider's id for it (may be empty if it gives none)
  int attempts = 0;        // calls made to providers for this send, all providers together
  std::vector<std::string> failed_over_from;  // providers tried first that failed or were skipped
};

constexpr size_t kMaxRecipients = 100;   // to + cc + bcc
constexpr size_t kMaxSubjectBytes = 998; // one RFC 5322 line
constexpr size_t kMaxBodyBytes = 2 * 1024 * 1024;
constexpr size_t kMaxSmsChars = 1600;    // Twilio's limit, concatenated segments

// InvalidArgument listing every bad field; `from` may be empty unless require_from.
Status validate_email(const EmailMessage& m, bool require_from);
Status validate_sms(const SmsMessage& m, bool require_from);

}  // namespace sb::providers
