// Addresses the providers accept: email mailboxes ("a@example.com" or
// "Ada <a@example.com>") and phone numbers in E.164 ("+14155550100"), plus
// the RFC 5322 rendering of a mailbox for message headers.
//
// The checks are deliberately stricter than RFC 5321 allows (no quoted local
// parts, no IP literals): every SaaS API we talk to rejects those anyway, and
// rejecting early names the field instead of failing at the provider.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sb::providers {

struct Mailbox {
  std::string name;     // display name, may be empty; UTF-8
  std::string address;  // local@domain
};

// Accepts "local@domain", "Name <local@domain>" and "\"Name, Jr\" <local@domain>".
std::optional<Mailbox> parse_mailbox(std::string_view text);
bool is_email_address(std::string_view address);

// "+" then 2..15 digits, the first not 0.
bool is_e164(std::string_view number);
// An alphanumeric SMS sender id: 1..11 of [A-Za-z0-9 ], at least one letter.
bool is_sender_id(std::string_view id);

// Header form: `address`, or `"Display Name" <address>`; non-ASCII names are
// RFC 2047 encoded-words.
std::string format_mailbox(const Mailbox& m);
// Header text that may be non-ASCII: returned as is when printable ASCII,
// else as UTF-8 base64 encoded-words (=?UTF-8?B?...?=) folded with CRLF SP.
std::string encode_header_text(std::string_view text);

}  // namespace sb::providers
