#include "providers/message.h"

#include <algorithm>
#include <cctype>

#include "providers/address.h"

namespace sb::providers {
namespace {

bool has_line_break(const std::string& s) { return s.find_first_of("\r\n") != std::string::npos; }

// Headers the message builders own; letting callers set them would allow
// spoofing the envelope or breaking the MIME structure.
bool reserved_header(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const char* kReserved[] = {"from", "to", "cc", "bcc", "subject", "reply-to", "date",
                                    "message-id", "mime-version", "content-type",
                                    "content-transfer-encoding", "sender", "return-path"};
  for (const char* r : kReserved)
    if (name == r) return true;
  return false;
}

bool header_name_ok(const std::string& n) {
  if (n.empty() || n.size() > 76) return false;
  for (unsigned char c : n)
    if (c < 33 || c > 126 || c == ':') return false;
  return true;
}

size_t utf8_chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

void check_list(const std::vector<std::string>& list, const char* name,
                std::vector<FieldError>& errors) {
  for (size_t i = 0; i < list.size(); ++i)
    if (!parse_mailbox(list[i]))
      errors.push_back({std::string("/") + name + "/" + std::to_string(i), "must be an email address"});
}

}  // namespace

Status validate_email(const EmailMessage& m, bool require_from) {
  std::vector<FieldError> errors;
  if (m.from.empty()) {
    if (require_from) errors.push_back({"/from", "is required"});
  } else if (!parse_mailbox(m.from)) {
    errors.push_back({"/from", "must be an email address"});
  }
  if (m.to.empty()) errors.push_back({"/to", "is required"});
  check_list(m.to, "to", errors);
  check_list(m.cc, "cc", errors);
  check_list(m.bcc, "bcc", errors);
  if (m.to.size() + m.cc.size() + m.bcc.size() > kMaxRecipients)
    errors.push_back({"/to", "at most " + std::to_string(kMaxRecipients) +
                                 " recipients in to, cc and bcc together"});
  if (!m.reply_to.empty() && !parse_mailbox(m.reply_to))
    errors.push_back({"/reply_to", "must be an email address"});
  if (m.subject.empty()) errors.push_back({"/subject", "is required"});
  else if (has_line_break(m.subject)) errors.push_back({"/subject", "must not contain line breaks"});
  else if (m.subject.size() > kMaxSubjectBytes)
    errors.push_back({"/subject", "must be at most " + std::to_string(kMaxSubjectBytes) + " bytes"});
  if (m.text.empty() && m.html.empty()) errors.push_back({"/text", "text or html is required"});
  if (m.text.size() > kMaxBodyBytes)
    errors.push_back({"/text", "must be at most " + std::to_string(kMaxBodyBytes) + " bytes"});
  if (m.html.size() > kMaxBodyBytes)
    errors.push_back({"/html", "must be at most " + std::to_string(kMaxBodyBytes) + " bytes"});
  for (const auto& [name, value] : m.headers) {
    std::string path = "/headers/" + name;
    if (!header_name_ok(name)) errors.push_back({path, "is not a valid header name"});
    else if (reserved_header(name)) errors.push_back({path, "is set by Switchboard and cannot be overridden"});
    else if (has_line_break(value)) errors.push_back({path, "must not contain line breaks"});
    else if (value.size() > 900) errors.push_back({path, "must be at most 900 bytes"});
  }
  if (errors.empty()) return {};
  return Status::invalid(std::move(errors));
}

Status validate_sms(const SmsMessage& m, bool require_from) {
  std::vector<FieldError> errors;
  if (m.to.empty()) errors.push_back({"/to", "is required"});
  else if (!is_e164(m.to)) errors.push_back({"/to", "must be a phone number in E.164 format (+14155550100)"});
  if (m.from.empty()) {
    if (require_from) errors.push_back({"/from", "is required"});
  } else if (!is_e164(m.from) && !is_sender_id(m.from)) {
    errors.push_back({"/from", "must be an E.164 phone number or an alphanumeric sender id"});
  }
  if (m.body.empty()) errors.push_back({"/body", "is required"});
  else if (utf8_chars(m.body) > kMaxSmsChars)
    errors.push_back({"/body", "must be at most " + std::to_string(kMaxSmsChars) + " characters"});
  if (errors.empty()) return {};
  return Status::invalid(std::move(errors));
}

}  // namespace sb::providers
