// RFC 5322 / MIME rendering of an EmailMessage, shared by the providers that
// hand over a whole message (smtp, console): Date, Message-ID, From/To/Cc,
// Reply-To, Subject (RFC 2047 when not ASCII), the caller's extra headers, and
// a quoted-printable UTF-8 body — multipart/alternative (text first, then
// html, as RFC 2046 orders preference) when both are present. Bcc is never
// rendered. Lines end in CRLF. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "providers/message.h"

namespace sb::providers::email {

// "<id@domain>" with the domain of `from_address`.
std::string make_message_id(std::string_view unique, std::string_view from_address);
// RFC 5322 date-time in UTC, e.g. "Tue, 14 Nov 2023 22:13:20 +0000".
std::string rfc5322_date(int64_t unix_ms);
// Quoted-printable (RFC 2045 6.7), CRLF line ends, soft breaks at 76.
std::string quoted_printable(std::string_view text);

// `m` must be validated with `from` set; `message_id` includes the angle brackets.
std::string render_message(const EmailMessage& m, std::string_view message_id, int64_t unix_ms);

}  // namespace sb::providers::email
