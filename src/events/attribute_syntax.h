// The syntaxes CloudEvents 1.0 borrows for its attribute values: URI and
// URI-reference (RFC 3986), media type (RFC 2046) and base64 (RFC 4648).
// URIs are parsed with Boost.URL (RFC 3986's grammar, no allocation); the
// media type and base64 checks are hand-written single passes: every
// published event goes through them, and a regex per request would cost
// more than the rest of the validation.
#pragma once

#include <string_view>

namespace sb::events {

// RFC 3986 URI-reference: an absolute URI or a relative reference
// ("/orders", "urn:x", "https://a.example/b?c#d"). Empty is valid here;
// callers that need a non-empty value check that themselves.
bool is_uri_reference(std::string_view s);
// RFC 3986 URI: a URI-reference with a scheme (absolute).
bool is_absolute_uri(std::string_view s);
// RFC 2046 media type: type "/" subtype *( OWS ";" OWS attribute "=" value ),
// value a token or a quoted string ("text/plain; charset=utf-8").
bool is_media_type(std::string_view s);
// RFC 4648 §4 base64 with padding (the alphabet with '+' and '/').
bool is_base64(std::string_view s);

}  // namespace sb::events
