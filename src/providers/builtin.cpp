#include "providers/builtin.h"

// Each block below includes builtin_list.h with one of the four macros doing
// something and the other three expanding to nothing.
#define SB_NO_PROVIDER(name)

namespace sb::providers {

namespace email {
#define SB_EMAIL_PROVIDER(name) Factory<EmailSender> name##_factory(const ProviderEnv&);
#define SB_SMS_PROVIDER SB_NO_PROVIDER
#define SB_PUSH_PROVIDER SB_NO_PROVIDER
#define SB_WHATSAPP_PROVIDER SB_NO_PROVIDER
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
#undef SB_PUSH_PROVIDER
#undef SB_WHATSAPP_PROVIDER
}  // namespace email

namespace sms {
#define SB_EMAIL_PROVIDER SB_NO_PROVIDER
#define SB_SMS_PROVIDER(name) Factory<SmsSender> name##_factory(const ProviderEnv&);
#define SB_PUSH_PROVIDER SB_NO_PROVIDER
#define SB_WHATSAPP_PROVIDER SB_NO_PROVIDER
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
#undef SB_PUSH_PROVIDER
#undef SB_WHATSAPP_PROVIDER
}  // namespace sms

namespace push {
#define SB_EMAIL_PROVIDER SB_NO_PROVIDER
#define SB_SMS_PROVIDER SB_NO_PROVIDER
#define SB_PUSH_PROVIDER(name) Factory<PushSender> name##_factory(const ProviderEnv&);
#define SB_WHATSAPP_PROVIDER SB_NO_PROVIDER
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
#undef SB_PUSH_PROVIDER
#undef SB_WHATSAPP_PROVIDER
}  // namespace push

namespace whatsapp {
#define SB_EMAIL_PROVIDER SB_NO_PROVIDER
#define SB_SMS_PROVIDER SB_NO_PROVIDER
#define SB_PUSH_PROVIDER SB_NO_PROVIDER
#define SB_WHATSAPP_PROVIDER(name) Factory<WhatsAppSender> name##_factory(const ProviderEnv&);
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
#undef SB_PUSH_PROVIDER
#undef SB_WHATSAPP_PROVIDER
}  // namespace whatsapp

Status register_builtin_email(Registry<EmailSender>& registry, const ProviderEnv& env) {
#define SB_EMAIL_PROVIDER(name) SB_TRY(registry.add(email::name##_factory(env)));
#define SB_SMS_PROVIDER SB_NO_PROVIDER
#define SB_PUSH_PROVIDER SB_NO_PROVIDER
#define SB_WHATSAPP_PROVIDER SB_NO_PROVIDER
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
#undef SB_PUSH_PROVIDER
#undef SB_WHATSAPP_PROVIDER
  return {};
}

Status register_builtin_sms(Registry<SmsSender>& registry, const ProviderEnv& env) {
#define SB_EMAIL_PROVIDER SB_NO_PROVIDER
#define SB_SMS_PROVIDER(name) SB_TRY(registry.add(sms::name##_factory(env)));
#define SB_PUSH_PROVIDER SB_NO_PROVIDER
#define SB_WHATSAPP_PROVIDER SB_NO_PROVIDER
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
#undef SB_PUSH_PROVIDER
#undef SB_WHATSAPP_PROVIDER
  return {};
}

Status register_builtin_push(Registry<PushSender>& registry, const ProviderEnv& env) {
#define SB_EMAIL_PROVIDER SB_NO_PROVIDER
#define SB_SMS_PROVIDER SB_NO_PROVIDER
#define SB_PUSH_PROVIDER(name) SB_TRY(registry.add(push::name##_factory(env)));
#define SB_WHATSAPP_PROVIDER SB_NO_PROVIDER
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
#undef SB_PUSH_PROVIDER
#undef SB_WHATSAPP_PROVIDER
  return {};
}

Status register_builtin_whatsapp(Registry<WhatsAppSender>& registry, const ProviderEnv& env) {
#define SB_EMAIL_PROVIDER SB_NO_PROVIDER
#define SB_SMS_PROVIDER SB_NO_PROVIDER
#define SB_PUSH_PROVIDER SB_NO_PROVIDER
#define SB_WHATSAPP_PROVIDER(name) SB_TRY(registry.add(whatsapp::name##_factory(env)));
#include "providers/builtin_list.h"
#undef SB_EMAIL_PROVIDER
#undef SB_SMS_PROVIDER
#undef SB_PUSH_PROVIDER
#undef SB_WHATSAPP_PROVIDER
  return {};
}

}  // namespace sb::providers
