// providers::Messaging — the public surface for sending email and SMS through
// runtime-switchable providers (DESIGN.md "Composition instead of a
// string-keyed container"). App constructs one; services and job workers
// call send_email / send_sms; the HTTP layer uses parse_email / parse_sms and
// the listing methods.
//
// Configuration (declared by the constructor, read live):
//   email.providers = ["console"]   failover order; names must be registered
//   email.from      = "no-reply@localhost"   default From
//   email.retry.*, email.breaker.*, email.connect_timeout_ms, email.timeout_ms
//   email.<provider>.*   each provider's settings (api keys are secret)
// and the same under sms.* (sms.from default empty).
// A change under "email." / "sms." rebuilds that chain and swaps it in if it
// is valid (see channel.h).
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
#include "providers/message.h"
#include "providers/registry.h"
#include "providers/sender.h"
#include "resilience/retry_policy.h"

namespace sb::metrics { class Registry; }

namespace sb::providers {

template <typename Sender, typename Message>
class Channel;

struct MessagingOptions {
  resilience::RetryPolicy::Sleeper sleeper;  // default: sleeps the sending thread
  resilience::RetryPolicy::Random random;    // default: per-thread PRNG
  bool register_builtins = true;             // console, smtp, sendgrid, mailgun / console, twilio, webhook
};

class Messaging {
 public:
  // Declares every key and builds both chains from the config as loaded so
  // far. Config layers loaded later do not fire watchers: call reload() after
  // load_file/load_env/load_runtime.
  Messaging(config::ConfigService& config, const Clock& clock, metrics::Registry* metrics,
            std::string data_dir, MessagingOptions options = {});
  ~Messaging();
  Messaging(const Messaging&) = delete;
  Messaging& operator=(const Messaging&) = delete;

  // Fills `from` from config when empty, validates (InvalidArgument naming
  // fields), then sends through the active chain.
  Result<Receipt> send_email(EmailMessage m) const;
  Result<Receipt> send_sms(SmsMessage m) const;

  // Where the console providers write (<dir>/outbox); call before sending
  // when the data dir is only known after the config file is read.
  void set_data_dir(const std::string& dir);

  // Rebuilds both chains from current config; on error the old chain stays
  // and the first error is returned (InvalidArgument naming the key).
  Status reload();

  // For registering extra providers (tests, plugins) before reload().
  Registry<EmailSender>& email_registry();
  Registry<SmsSender>& sms_registry();

  std::vector<std::string> email_providers() const;  // registered, sorted
  std::vector<std::string> sms_providers() const;
  std::vector<std::string> email_chain() const;      // active, in failover order
  std::vector<std::string> sms_chain() const;
  // Why the last rebuild was refused (ok if it was not).
  Status email_status() const;
  Status sms_status() const;

 private:
  config::ConfigService& config_;
  std::shared_ptr<std::string> data_dir_;
  std::unique_ptr<Channel<EmailSender, EmailMessage>> email_;
  std::unique_ptr<Channel<SmsSender, SmsMessage>> sms_;
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
