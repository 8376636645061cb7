// providers::Messaging — the public surface for sending on every channel in
// ChannelKinds (email, SMS, …) through runtime-switchable providers (DESIGN.md "Composition instead of a
// string-keyed container"). App constructs one; services and job workers
// call send_email / send_sms; the HTTP layer uses parse_email / parse_sms and
// the listing methods.
//
// Configuration (declared by the constructor, read live):
//   email.providers = ["console"]   failover order; names must be registered
//   email.from      = "no-reply@localhost"   default From
//   email.retry.*, email.breaker.*, email.connect_timeout_ms, email.timeout_ms
//   email.<provider>.*   each provider's settings (api keys are secret)
// and the same under sms.* (sms.from default empty), push.* (push.ttl,
// push.allow_http_endpoints; providers/push/push.h) and whatsapp.*
// (whatsapp.default_language; providers/whatsapp/whatsapp.h).
// A change under "email." / "sms." / "push." / "whatsapp." rebuilds that
// chain and swaps it in if it is valid (see channel.h).
//
// Thread-safe. `config`, `clock` and `metrics` must outlive this object.
#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "providers/channel_kinds.h"
#include "providers/message.h"
#include "providers/registry.h"
#include "providers/sender.h"
#include "resilience/retry_policy.h"

namespace sb::metrics { class Registry; }

namespace sb::providers {

template <typename Kind>
class Channel;

struct MessagingOptions {
  resilience::RetryPolicy::Sleeper sleeper;  // default: sleeps the sending thread
  resilience::RetryPolicy::Random random;    // default: per-thread PRNG
  bool register_builtins = true;             // providers/builtin_list.h
};

class Messaging {
 public:
  // Declares every key and builds every chain from the config as loaded so
  // far. Config layers loaded later do not fire watchers: call reload() after
  // load_file/load_env/load_runtime.
  Messaging(config::ConfigService& config, const Clock& clock, metrics::Registry* metrics,
            std::string data_dir, MessagingOptions options = {});
  ~Messaging();
  Messaging(const Messaging&) = delete;
  Messaging& operator=(const Messaging&) = delete;

  // Completes and validates `m` (Kind::prepare: InvalidArgument naming
  // fields), then sends it through the active chain — or through
  // `provider` alone when one is named (see Channel::send).
  template <typename Kind>
  Result<Receipt> send(typename Kind::Message m, const std::string& provider = "") const;
  template <typename Kind>
  Registry<typename Kind::Sender>& registry();  // for extra providers (tests, plugins) before reload()
  template <typename Kind>
  std::vector<std::string> providers() const;  // registered, sorted
  template <typename Kind>
  std::vector<std::string> chain() const;  // active, in failover order
  template <typename Kind>
  Status status() const;  // why the last rebuild was refused (ok if it was not)

  // Where the console providers write (<dir>/outbox); call before sending
  // when the data dir is only known after the config file is read.
  void set_data_dir(const std::string& dir);
  // Rebuilds every chain from current config; on error the old chain stays
  // and the first error is returned (InvalidArgument naming the key).
  Status reload();

  // Named shorthands for the channels most callers use.
  Result<Receipt> send_email(EmailMessage m, const std::string& provider = "") const {
    return send<EmailKind>(std::move(m), provider);
  }
  Result<Receipt> send_sms(SmsMessage m, const std::string& provider = "") const {
    return send<SmsKind>(std::move(m), provider);
  }
  Result<Receipt> send_whatsapp(WhatsAppMessage m, const std::string& provider = "") const {
    return send<WhatsAppKind>(std::move(m), provider);
  }
  Registry<EmailSender>& email_registry() { return registry<EmailKind>(); }
  Registry<SmsSender>& sms_registry() { return registry<SmsKind>(); }
  std::vector<std::string> email_providers() const { return providers<EmailKind>(); }
  std::vector<std::string> sms_providers() const { return providers<SmsKind>(); }
  std::vector<std::string> email_chain() const { return chain<EmailKind>(); }
  std::vector<std::string> sms_chain() const { return chain<SmsKind>(); }
  Status email_status() const { return status<EmailKind>(); }
  Status sms_status() const { return status<SmsKind>(); }

 private:
  template <typename Kinds>
  struct ChannelsOf;
  template <typename... Kinds>
  struct ChannelsOf<std::tuple<Kinds...>> {
    using type = std::tuple<std::unique_ptr<Channel<Kinds>>...>;
  };
  template <typename Kind>
  Channel<Kind>& channel() const {
    return *std::get<std::unique_ptr<Channel<Kind>>>(channels_);
  }

  config::ConfigService& config_;
  std::shared_ptr<std::string> data_dir_;
  typename ChannelsOf<ChannelKinds>::type channels_;  // one per kind in ChannelKinds
};

// JSON request bodies -> validated messages. Unknown fields, wrong types and
// invalid values are one InvalidArgument listing every field ("/to/1").
// Email: {from?, to: string|[string], cc?, bcc?, reply_to?, subject, text?,
// html?, headers?: {name: value}}. SMS: {to, from?, body}.
Result<EmailMessage> parse_email(const boost::json::value& body);
Result<SmsMessage> parse_sms(const boost::json::value& body);
// {provider, message_id, attempts, failed_over_from}
boost::json::value to_json(const Receipt& r);

}  // namespace sb::providers
