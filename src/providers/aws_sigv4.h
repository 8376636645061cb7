// AWS Signature Version 4 (header form), for the providers that call AWS
// APIs (email.ses, sms.sns). sign() adds Host, X-Amz-Date, optionally
// X-Amz-Content-Sha256 and X-Amz-Security-Token, and the Authorization
// header to an HttpRequest; the steps it is built from are public so tests
// can check each against the published AWS test suite (tests/data/aws-sigv4)
// and recompute a signature over what a stand-in received.
//
// Paths are signed as sent, encoded once more (what AWS expects from every
// service but S3, which this signer is not for): "/a b" on the wire is
// "/a%20b" and canonically "/a%2520b". Query strings are decoded and
// re-encoded, so a pre-encoded and a raw query sign alike.
//
// Nothing here logs; Signed and canonical requests hold the session token
// (a credential) and must not be logged either. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "providers/http_client.h"

namespace sb::providers::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary (STS) credentials; empty for long-term keys
};

struct SignOptions {
  // A few services want the token added after signing (the suite's
  // post-sts-header-after); SES and SNS sign it, like the AWS SDKs do.
  bool sign_session_token = true;
  // X-Amz-Content-Sha256: S3 requires it, other services accept it.
  bool content_sha256_header = false;
};

// What sign() computed, for tests. Holds no secret key, but may hold the
// session token: never log it.
struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string authorization;
};

// 20150830T123600Z for a Unix time in milliseconds (UTC, seconds truncated).
std::string amz_date(int64_t unix_ms);
// "<yyyymmdd>/<region>/<service>/aws4_request".
std::string credential_scope(std::string_view date8, std::string_view region, std::string_view service);

// The path as sent, dot segments and repeated slashes removed, then every
// byte but unreserved ones and '/' percent-encoded (so '%' becomes %25).
std::string canonical_uri(std::string_view path);
// The query as sent (no '?'): names and values percent-decoded, re-encoded,
// sorted by name then value. A '+' stays a literal plus.
std::string canonical_query(std::string_view query);

struct CanonicalHeaders {
  std::string lines;           // "name:value\n" per name, sorted
  std::string signed_headers;  // "name1;name2"
};
// Every header in `headers` is signed: names lower-cased, values trimmed with
// inner whitespace runs (folded lines too) collapsed to one space, repeated
// names joined with ',' in the order given.
CanonicalHeaders canonical_headers(const HeaderList& headers);

// The six canonical-request lines; `payload_hash` is hex SHA-256 of the body.
std::string canonical_request(std::string_view method, std::string_view path, std::string_view query,
                              const HeaderList& headers, std::string_view payload_hash);
std::string string_to_sign(std::string_view amz_date, std::string_view scope, std::string_view canonical_request);
// HMAC chain "AWS4"+secret → date → region → service → "aws4_request" (raw 32 bytes).
std::string signing_key(std::string_view secret, std::string_view date8, std::string_view region,
                        std::string_view service);
// Hex HMAC-SHA256 of the string to sign under the signing key.
std::string signature(std::string_view signing_key, std::string_view string_to_sign);

// Signs `req` (an absolute http:// or https:// URL) for `region`/`service` at
// `unix_ms`: replaces any earlier signing headers, adds Host (from the URL)
// unless present, and signs every header `req` carries. InvalidArgument on a
// URL it cannot split or empty credentials.
Result<Signed> sign(HttpRequest& req, const Credentials& creds, std::string_view region, std::string_view service,
                    int64_t unix_ms, const SignOptions& options = {});

}  // namespace sb::providers::aws
