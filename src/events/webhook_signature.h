// Standard Webhooks signatures (https://www.standardwebhooks.com):
//   webhook-id: <message id>   webhook-timestamp: <unix seconds>
//   webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>
// where the key is the base64 part of the "whsec_…" secret.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace sb::events {

// A new secret: "whsec_" + base64 of 24 random bytes.
std::string new_webhook_secret();
// The three headers for one delivery.
Result<std::vector<std::pair<std::string, std::string>>> sign_webhook(const std::string& secret,
                                                                      const std::string& msg_id,
                                                                      int64_t unix_seconds,
                                                                      const std::string& body);

}  // namespace sb::events
