// The delivery channels, each a Kind: its name (the config prefix and the
// metrics label), its message type, its sender interface, and the few rules
// that differ per channel — its own keys (email.from), how a message is
// completed and checked before the chain sees it, and its built-in
// providers. Channel<Kind> (channel.h) is the one chain, failover, retry and
// breaker implementation for all of them.
//
// Adding a channel (as whatsapp was):
//   1. providers/<kind>/<kind>.h/.cpp: its Message, Sender and Kind;
//   2. one entry in ChannelKinds below;
//   3. its route in api/messages_api.cpp (parse + Messaging::send<Kind>).
#pragma once

#include <tuple>

#include "config/config.h"
#include "core/result.h"
#include "providers/message.h"
#include "providers/push/push.h"
#include "providers/registry.h"
#include "providers/sender.h"
#include "providers/whatsapp/whatsapp.h"

namespace sb::providers {

struct EmailKind {
  static constexpr const char* kName = "email";
  using Message = EmailMessage;
  using Sender = EmailSender;
  // email.from
  static void declare(config::ConfigService& config);
  // Fills `from` from email.from when empty, then validates (InvalidArgument naming fields).
  static Status prepare(Message& m, const config::ConfigService& config);
  static Status register_builtins(Registry<Sender>& registry, const ProviderEnv& env);
};

struct SmsKind {
  static constexpr const char* kName = "sms";
  using Message = SmsMessage;
  using Sender = SmsSender;
  // sms.from
  static void declare(config::ConfigService& config);
  static Status prepare(Message& m, const config::ConfigService& config);
  static Status register_builtins(Registry<Sender>& registry, const ProviderEnv& env);
};

struct PushKind {
  static constexpr const char* kName = "push";
  using Message = PushMessage;
  using Sender = PushSender;
  // push.ttl, push.allow_http_endpoints (providers/push/push.cpp)
  static void declare(config::ConfigService& config);
  // Fills `ttl` from push.ttl when unset, then validates (https endpoints
  // only unless push.allow_http_endpoints).
  static Status prepare(Message& m, const config::ConfigService& config);
  static Status register_builtins(Registry<Sender>& registry, const ProviderEnv& env);
};

struct WhatsAppKind {
  static constexpr const char* kName = "whatsapp";
  using Message = WhatsAppMessage;
  using Sender = WhatsAppSender;
  // whatsapp.default_language (providers/whatsapp/whatsapp.cpp)
  static void declare(config::ConfigService& config);
  // Fills a template's `language` from whatsapp.default_language when
  // empty ('-' becomes '_': "de-AT" is Meta's "de_AT"), then validates.
  static Status prepare(Message& m, const config::ConfigService& config);
  static Status register_builtins(Registry<Sender>& registry, const ProviderEnv& env);
};

// Every channel Messaging runs, in this order.
using ChannelKinds = std::tuple<EmailKind, SmsKind, PushKind, WhatsAppKind>;

}  // namespace sb::providers
