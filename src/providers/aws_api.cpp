#include "providers/aws_api.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cctype>

#include "core/json.h"

namespace sb::providers::aws {
namespace {

namespace bj = boost::json;

// "com.amazonaws.sesv2#TooManyRequestsException" or
// "ThrottlingException:http://internal.amazon.com/coral/..." -> the bare code.
std::string bare_code(std::string_view raw) {
  if (size_t hash = raw.rfind('#'); hash != std::string_view::npos) raw.remove_prefix(hash + 1);
  if (size_t colon = raw.find(':'); colon != std::string_view::npos) raw = raw.substr(0, colon);
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.front()))) raw.remove_prefix(1);
  while (!raw.empty() && std::isspace(static_cast<unsigned char>(raw.back()))) raw.remove_suffix(1);
  return std::string(raw);
}

bool one_of(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

Status required(const config::Key<std::string>& key, std::string_view channel, std::string_view provider) {
  return Status::invalid(key.name(), "is required when " + std::string(channel) + ".providers includes " +
                                         std::string(provider));
}

}  // namespace

std::optional<std::string> check_region(std::string_view region) {
  bool ok = std::all_of(region.begin(), region.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-';
  });
  if (ok) return std::nullopt;
  return "must be an AWS region such as eu-west-1 (lower-case letters, digits and '-')";
}

std::optional<std::string> check_endpoint(std::string_view url) {
  if (url.empty()) return std::nullopt;
  return check_http_url(url);
}

Result<Settings> read_settings(const config::ConfigService& config, const Keys& keys, std::string_view channel,
                               std::string_view provider, std::string_view host_prefix) {
  Settings s;
  s.region = config.get(keys.region);
  s.credentials.access_key_id = config.get(keys.access_key_id);
  s.credentials.secret_access_key = config.get(keys.secret_access_key);
  s.credentials.session_token = config.get(keys.session_token);
  if (s.region.empty()) return required(keys.region, channel, provider);
  if (s.credentials.access_key_id.empty()) return required(keys.access_key_id, channel, provider);
  if (s.credentials.secret_access_key.empty()) return required(keys.secret_access_key, channel, provider);
  std::string endpoint = config.get(keys.endpoint);
  if (endpoint.empty()) {
    // The China partition has its own domain; every other region is under amazonaws.com.
    const char* domain = s.region.rfind("cn-", 0) == 0 ? ".amazonaws.com.cn" : ".amazonaws.com";
    endpoint = "https://" + std::string(host_prefix) + "." + s.region + domain;
  }
  s.endpoint = trim_slash(std::move(endpoint));
  return s;
}

std::string error_code(const HttpResponse& resp) {
  // REST-JSON services (SES v2) name the error in a header…
  if (std::string h = resp.header("x-amzn-errortype"); !h.empty()) return bare_code(h);
  // …or in the JSON body (JSON-1.x services, some gateways)…
  if (auto v = json::parse(resp.body); v.ok() && v->is_object()) {
    for (const char* name : {"__type", "code", "Code"})
      if (auto* p = v->as_object().if_contains(name); p && p->is_string()) return bare_code(p->get_string());
    return {};
  }
  // …and Query services (SNS) in XML: <ErrorResponse><Error><Code>Throttling</Code>.
  size_t open = resp.body.find("<Code>");
  if (open == std::string::npos) return {};
  open += 6;
  size_t close = resp.body.find("</Code>", open);
  if (close == std::string::npos || close - open > 128) return {};
  return bare_code(std::string_view(resp.body).substr(open, close - open));
}

bool is_retryable_code(std::string_view code) {
  // The codes the AWS SDKs retry as throttling or transient errors.
  return one_of(code, {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
                       "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
                       "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled", "SlowDown",
                       "KMSThrottlingException", "KMSThrottling", "PriorRequestNotComplete", "RequestTimeout",
                       "RequestTimeoutException", "InternalError", "InternalFailure", "ServiceUnavailable"});
}

bool is_credential_code(std::string_view code) {
  return one_of(code, {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
                       "SignatureDoesNotMatch", "InvalidSignatureException", "IncompleteSignature",
                       "MissingAuthenticationToken", "RequestExpired", "AccessDenied", "AccessDeniedException",
                       "AuthorizationError", "AccountSuspendedException", "SendingPausedException"});
}

Status check_response(std::string_view provider, const HttpResponse& resp) {
  Status s = providers::check_status(provider, resp);
  if (s.is_ok()) return s;
  std::string code = error_code(resp);
  if (code.empty()) return s;
  std::string m = s.message() + " (" + code + ")";
  if (is_retryable_code(code)) return Status::unavailable(std::move(m));
  if (is_credential_code(code)) return Status::permission_denied(std::move(m));
  return Status(s.code(), std::move(m));
}

}  // namespace sb::providers::aws
