#include <gtest/gtest.h>

#include "core/crypto.h"
#include "events/webhook_signature.h"

namespace sb::events {
namespace {

// The example from the Standard Webhooks specification.
TEST(WebhookSignature, MatchesTheStandardWebhooksExample) {
  auto h = sign_webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                        R"({"test": 2432232314})");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ((*h)[0], (std::pair<std::string, std::string>{"webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"}));
  EXPECT_EQ((*h)[1].second, "1614265330");
  EXPECT_EQ((*h)[2].second, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignature, NewSecretsHaveThePrefixAnd24RandomBytes) {
  std::string a = new_webhook_secret(), b = new_webhook_secret();
  EXPECT_EQ(a.rfind("whsec_", 0), 0u);
  EXPECT_NE(a, b);
  EXPECT_EQ(crypto::base64_decode(a.substr(6))->size(), 24u);
}

}  // namespace
}  // namespace sb::events
