// <channel>.discard — accepts every message and sends nothing: for load tests
// and staging environments that must never reach a real recipient. The
// message still goes through the chain (validation, metrics, breakers), so a
// load test measures everything but the provider's network call.
#include "core/ids.h"
#include "providers/push/push.h"
#include "providers/registry.h"
#include "providers/sender.h"
#include "providers/whatsapp/whatsapp.h"

namespace sb::providers {
namespace {

template <typename Sender, typename Message>
class DiscardSender final : public Sender {
 public:
  explicit DiscardSender(const Clock& clock) : clock_(clock) {}
  // An id like a real provider's, so tracking code paths run as in production.
  Result<std::string> send(const Message&) override { return "discard-" + new_uuid_v7(clock_); }

 private:
  const Clock& clock_;
};

template <typename Sender, typename Message>
Factory<Sender> discard_factory(const ProviderEnv& env) {
  return {
      .name = "discard",
      .description = "Load tests and staging: accepts every message and sends nothing",
      .keys = {},
      .create = [clock = env.clock](const config::ConfigService&) -> Result<std::unique_ptr<Sender>> {
        return std::unique_ptr<Sender>(std::make_unique<DiscardSender<Sender, Message>>(*clock));
      },
  };
}

}  // namespace

namespace email {
Factory<EmailSender> discard_factory(const ProviderEnv& env) {
  return providers::discard_factory<EmailSender, EmailMessage>(env);
}
}  // namespace email
namespace sms {
Factory<SmsSender> discard_factory(const ProviderEnv& env) { return providers::discard_factory<SmsSender, SmsMessage>(env); }
}  // namespace sms
namespace push {
Factory<PushSender> discard_factory(const ProviderEnv& env) {
  return providers::discard_factory<PushSender, PushMessage>(env);
}
}  // namespace push
namespace whatsapp {
Factory<WhatsAppSender> discard_factory(const ProviderEnv& env) {
  return providers::discard_factory<WhatsAppSender, WhatsAppMessage>(env);
}
}  // namespace whatsapp

}  // namespace sb::providers
