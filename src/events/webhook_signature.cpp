#include "events/webhook_signature.h"

#include "core/crypto.h"

namespace sb::events {

std::string new_webhook_secret() { return "whsec_" + crypto::base64_encode(crypto::random_bytes(24)); }

Result<std::vector<std::pair<std::string, std::string>>> sign_webhook(const std::string& secret,
                                                                      const std::string& msg_id,
                                                                      int64_t ts,
                                                                      const std::string& body) {
  std::string b64 = secret.rfind("whsec_", 0) == 0 ? secret.substr(6) : secret;
  auto key = crypto::base64_decode(b64);
  if (!key) return Status::internal("webhook secret is not valid base64");
  std::string signed_content = msg_id + "." + std::to_string(ts) + "." + body;
  std::string sig = "v1," + crypto::base64_encode(crypto::hmac_sha256(*key, signed_content));
  return std::vector<std::pair<std::string, std::string>>{
      {"webhook-id", msg_id}, {"webhook-timestamp", std::to_string(ts)}, {"webhook-signature", sig}};
}

}  // namespace sb::events
