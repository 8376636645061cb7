// The signatures providers put on their status callbacks, as each documents
// them. Pure functions (no clock, no state) so each is checked against the
// provider's published example; comparisons are constant-time.
//
//   SendGrid Signed Event Webhook: ECDSA P-256 / SHA-256 over
//     X-Twilio-Email-Event-Webhook-Timestamp + the raw body; the signature
//     (X-Twilio-Email-Event-Webhook-Signature) and the verification key are
//     base64 DER.
//   Mailgun webhooks: hex HMAC-SHA256 over timestamp + token, keyed with the
//     HTTP webhook signing key; all three are in the JSON body.
//   Twilio request validation: base64 HMAC-SHA1 over the full URL Twilio
//     called + every POST parameter sorted by name as name + value, keyed
//     with the account's Auth Token (X-Twilio-Signature). It covers no time,
//     so a Twilio callback cannot be judged stale.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::notify::signatures {

using Params = std::vector<std::pair<std::string, std::string>>;

bool sendgrid_valid(std::string_view verification_key_b64, std::string_view timestamp, std::string_view body,
                    std::string_view signature_b64);
// Whether the text is a base64 DER P-256 public key (what SendGrid shows).
bool sendgrid_key_valid(std::string_view verification_key_b64);

std::string mailgun_signature(std::string_view signing_key, std::string_view timestamp, std::string_view token);
bool mailgun_valid(std::string_view signing_key, std::string_view timestamp, std::string_view token,
                   std::string_view signature_hex);

std::string twilio_signature(std::string_view auth_token, std::string_view url, Params params);
bool twilio_valid(std::string_view auth_token, std::string_view url, Params params, std::string_view signature_b64);

// Decimal Unix seconds no further than max_age_ms from now (either way: a
// clock a little ahead is not an attack). False when not a number.
bool fresh(std::string_view unix_seconds, int64_t now_ms, int64_t max_age_ms);

}  // namespace sb::notify::signatures
