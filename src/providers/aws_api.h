// What the AWS providers (email.ses, sms.sns) share besides the signer: the
// settings each declares under its own prefix (region, access key id, secret
// access key, session token, endpoint override), read into one Settings, and
// the mapping of AWS error answers onto the chain's rule (sender.h). AWS
// reports throttling with 400 as well as 429 ("Throttling",
// "ThrottlingException", …), so the error code decides before the status.
//
// Error messages carry the provider, status, AWS error code and a short
// excerpt of the answer, never a credential. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/key.h"
#include "core/clock.h"
#include "core/result.h"
#include "providers/aws_sigv4.h"
#include "providers/http_client.h"

namespace sb::providers::aws {

// For region keys: empty (unset) or letters, digits and '-' ("eu-west-1"):
// the region becomes part of a host name.
std::optional<std::string> check_region(std::string_view region);
// For endpoint keys: empty (the regional AWS endpoint) or an http(s) URL.
std::optional<std::string> check_endpoint(std::string_view url);
inline const auto kRegionCheck =
    config::check([](const std::string& v) { return check_region(v); }, "lower-case letters, digits, '-'");
inline const auto kEndpointCheck =
    config::check([](const std::string& v) { return check_endpoint(v); }, "empty or http:// or https:// URL");

// One provider's key constants (declared in its own file).
struct Keys {
  const config::Key<std::string>& region;
  const config::Key<std::string>& access_key_id;
  const config::Key<std::string>& secret_access_key;
  const config::Key<std::string>& session_token;
  const config::Key<std::string>& endpoint;
};

struct Settings {
  std::string region;
  Credentials credentials;
  std::string endpoint;  // base URL, no trailing slash
};

// Reads `keys`; region, access key id and secret are required (InvalidArgument
// naming the key, "… when <channel>.providers includes <provider>"). The
// endpoint defaults to https://<host_prefix>.<region>.amazonaws.com.
Result<Settings> read_settings(const config::ConfigService& config, const Keys& keys, std::string_view channel,
                               std::string_view provider, std::string_view host_prefix);

// The AWS error code of an answer: the x-amzn-ErrorType header, a JSON
// "__type" / "code" / "Code", or an XML <Code>; namespaces and suffixes
// stripped ("ThrottlingException"). "" when there is none.
std::string error_code(const HttpResponse& resp);
// Codes the AWS SDKs retry whatever the status: throttling ("slow down")
// and transient ones (a request timeout).
bool is_retryable_code(std::string_view code);
// Codes that say these credentials or this account cannot send now (expired
// token, bad signature, clock skew, sending paused): another provider may.
bool is_credential_code(std::string_view code);
// check_status (http_client.h), then by error code: retryable codes ->
// Unavailable, credential codes -> PermissionDenied. The message names the
// code. (Not called check_status: argument-dependent lookup would find both.)
Status check_response(std::string_view provider, const HttpResponse& resp);

}  // namespace sb::providers::aws
