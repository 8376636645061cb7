#include "providers/builtin.h"

namespace sb::providers {

namespace email {
#define SB_EMAIL_PROVIDER(name) Factory<EmailSender> name##_factory(const ProviderEnv&);
#define SB_SMS_PROVIDER(name)
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
}  // namespace email

namespace sms {
#define SB_EMAIL_PROVIDER(name)
#define SB_SMS_PROVIDER(name) Factory<SmsSender> name##_factory(const ProviderEnv&);
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
}  // namespace sms

Status register_builtin_email(Registry<EmailSender>& registry, const ProviderEnv& env) {
#define SB_EMAIL_PROVIDER(name) SB_TRY(registry.add(email::name##_factory(env)));
#define SB_SMS_PROVIDER(name)
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
  return {};
}

Status register_builtin_sms(Registry<SmsSender>& registry, const ProviderEnv& env) {
#define SB_EMAIL_PROVIDER(name)
#define SB_SMS_PROVIDER(name) SB_TRY(registry.add(sms::name##_factory(env)));
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
  return {};
}

}  // namespace sb::providers
