// Channel<Kind> — one runtime-switchable delivery channel (a Kind from
// channel_kinds.h: "email", "sms", …): the registry of its providers, the active failover chain read
// from `<channel>.providers`, and the policy knobs under `<channel>.retry.*`
// and `<channel>.breaker.*`, all declared here.
//
// The chain is an immutable snapshot held in an atomic shared_ptr. A config
// change under "<channel>." (watch) or reload() builds a complete new chain
// off to the side — new senders, new breakers — and swaps it in only if every
// provider in it could be created; otherwise the old chain stays and the error
// is logged and kept (last_reload()). A send holds the snapshot it started
// with, so sends in flight finish on the old chain.
//
// send(): for each provider in order — pass it over if it does not serve the
// message's kind of recipient (a Sender with `bool serves(const Message&)`,
// e.g. push's Web Push / FCM / APNs providers: not an attempt, not a
// failover, nothing counted), skip it if its breaker is open, else
// call it, retrying retryable errors with full-jitter backoff while the
// breaker allows; on failure move to the next provider — except on NotFound
// (the recipient is gone, sender.h), which ends the send with that Status.
// The Receipt names the provider that delivered and those that failed first.
//
// Thread-safe. The ConfigService must outlive the Channel; destroy the Channel
// only when no config change can be in flight (watchers run on the setter's
// thread).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/clock.h"
#include "core/result.h"
#include "providers/message.h"
#include "providers/registry.h"
#include "resilience/circuit_breaker.h"
#include "resilience/retry_policy.h"

namespace sb::metrics { class Registry; }

namespace sb::providers {

template <typename KindT>
class Channel {
 public:
  using Kind = KindT;
  using Sender = typename Kind::Sender;
  using Message = typename Kind::Message;
  using Sleeper = resilience::RetryPolicy::Sleeper;
  using Random = resilience::RetryPolicy::Random;

  // Declares the channel keys and starts watching "<name>.". The chain is
  // empty until reload() (after providers are registered).
  Channel(config::ConfigService& config, const Clock& clock, metrics::Registry* metrics, Sleeper sleeper,
          Random random);
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  Registry<Sender>& registry() { return *registry_; }
  const Registry<Sender>& registry() const { return *registry_; }

  // Builds the chain from current config and swaps it in; on error keeps the
  // old chain and returns why (InvalidArgument naming the key).
  Status reload();
  Status last_reload() const;

  // `m` must be validated. InvalidArgument on /to when no provider of the
  // chain (or the named one) serves its kind of recipient. NotFound as soon as a provider says the
  // recipient is gone. Unavailable when every provider failed and at
  // least one failure was transient; otherwise the first failure's code.
  // A named `provider` bypasses the chain for this message: that provider
  // alone (with its retries and breaker), whether or not it is in the chain;
  // InvalidArgument naming /provider when it is unknown or not configured.
  Result<Receipt> send(const Message& m, const std::string& provider = "") const;

  // Provider names of the active chain, in failover order.
  std::vector<std::string> active() const;

 private:
  struct Link;
  struct Chain;
  Result<std::shared_ptr<const Chain>> build() const;
  Result<Link> make_link(const std::string& name, const resilience::BreakerOptions& bo) const;
  // The link named `provider` in the chain, or one built for it and kept with the chain.
  Result<const Link*> link_for(const Chain& chain, const std::string& provider) const;
  Status try_link(const Chain& chain, const Link& link, const Message& m, Receipt& r) const;

  // Immutable after construction.
  const std::string name_;
  config::ConfigService& config_;
  const Clock& clock_;
  metrics::Registry* const metrics_;
  const Sleeper sleeper_;
  const Random random_;
  // Shared with the `<name>.providers` validator held by ConfigService.
  const std::shared_ptr<Registry<Sender>> registry_;
  const config::Key<std::vector<std::string>> providers_key_;  // `<name>.providers`
  uint64_t watch_id_ = 0;

  std::atomic<std::shared_ptr<const Chain>> chain_;
  mutable std::mutex reload_mu_;  // serialises rebuilds
  Status last_reload_;            // guarded by reload_mu_
};

}  // namespace sb::providers

// Member definitions: included once, by the file that instantiates the kinds.
#include "providers/channel_impl.h"
