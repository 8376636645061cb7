// The email and SMS sender interfaces (push: providers/push/push.h), and what a provider's
// factory gets from the process besides configuration (ProviderEnv).
//
// A sender is built from one configuration snapshot and never reconfigured:
// a config change builds a new sender (see Messaging). send() is called from
// many threads at once and must be thread-safe. Errors follow one rule, which
// the chain relies on for retry and failover:
//   Unavailable        transient (timeouts, 5xx, 429): retried, then failover
//   PermissionDenied   credentials rejected (401/403): failover, no retry
//   InvalidArgument    the provider rejected this message (other 4xx)
//   Internal           misconfiguration seen only at send time (TLS trust,
//                      no STARTTLS offered): failover, no retry
//   NotFound           the recipient is gone for good (a push subscription
//                      the push service answers 404/410 for): no retry, no
//                      failover (another provider cannot revive it), not held
//                      against the provider's breaker; the Status reaches the
//                      caller as NotFound, who should forget the recipient
// Messages never contain API keys or tokens.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "providers/message.h"

namespace sb::providers {

class EmailSender {
 public:
  virtual ~EmailSender() = default;
  // `m` is validated and has `from` set. Returns the provider's message id.
  virtual Result<std::string> send(const EmailMessage& m) = 0;
};

class SmsSender {
 public:
  virtual ~SmsSender() = default;
  // `m` is validated; `from` may still be empty (config sms.from unset).
  virtual Result<std::string> send(const SmsMessage& m) = 0;
};

// Process facts a factory may capture: where files go, and the clock for
// Date headers and ids. Outlives every sender.
struct ProviderEnv {
  // Shared so the data dir can be settled after the providers are declared
  // (their keys must exist before the config file is read, which may name
  // the data dir). Set once at start-up, before any send.
  std::shared_ptr<std::string> data_dir = std::make_shared<std::string>();
  const Clock* clock = &Clock::system();
  std::string outbox_dir() const { return (data_dir->empty() ? std::string(".") : *data_dir) + "/outbox"; }
};

}  // namespace sb::providers
