// Provider status callbacks: a provider that accepted a delivery later says
// whether it reached the recipient. Each entry point checks the provider's
// documented signature (notify/callback_signatures.h), reads which message
// and what happened, and hands that to Service::apply_provider_status:
//
//   SendGrid Event Webhook   delivered -> delivered; bounce, dropped -> bounced
//   Mailgun webhooks         delivered -> delivered; failed with severity
//                            permanent -> bounced (temporary: still retrying)
//   Twilio status callback   delivered -> delivered; undelivered, failed -> bounced
//
// Every other event is ignored, as is a message id no delivery carries (the
// provider retries what is not answered 2xx, so those are answered 200).
// No HTTP types: api/ passes header values and the raw body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "notify/callback_signatures.h"
#include "notify/service.h"

namespace sb::notify {

struct CallbackSettings {
  std::string sendgrid_verification_key;  // base64 DER P-256 public key
  std::string mailgun_signing_key;        // HTTP webhook signing key
  std::string twilio_auth_token;
  std::string twilio_url;                 // the full URL Twilio called, query included
  int64_t max_age_ms = 600'000;           // SendGrid and Mailgun timestamps older than this are refused
};

// How many deliveries moved. Unauthenticated: a missing, wrong or stale
// signature, or a Mailgun token seen before; Unavailable: that provider's key
// is not configured; InvalidArgument: a signed body that is not the
// documented shape. On any error nothing changes.
Result<int> sendgrid_callback(Service& service, const CallbackSettings& settings, std::string_view signature,
                              std::string_view timestamp, std::string_view body, int64_t now_ms);
Result<int> mailgun_callback(Service& service, const CallbackSettings& settings, std::string_view body,
                             int64_t now_ms);
Result<int> twilio_callback(Service& service, const CallbackSettings& settings, std::string_view signature,
                            const signatures::Params& params);

// What each body says (after verification); exposed for tests.
Result<std::vector<ProviderStatus>> parse_sendgrid_events(std::string_view body);
std::vector<ProviderStatus> parse_twilio_status(const signatures::Params& params);

}  // namespace sb::notify
