// Registers the built-in providers (providers/builtin_list.h) into the
// channel registries. Explicit calls rather than static self-registration:
// static-library objects nobody references are dropped by the linker, and the
// list shows at a glance what ships. Call once per registry.
#pragma once

#include "providers/push/push.h"
#include "providers/registry.h"
#include "providers/sender.h"
#include "providers/whatsapp/whatsapp.h"

namespace sb::providers {

Status register_builtin_email(Registry<EmailSender>& registry, const ProviderEnv& env);
Status register_builtin_sms(Registry<SmsSender>& registry, const ProviderEnv& env);
Status register_builtin_push(Registry<PushSender>& registry, const ProviderEnv& env);
Status register_builtin_whatsapp(Registry<WhatsAppSender>& registry, const ProviderEnv& env);

}  // namespace sb::providers
