// Subscriptions — durable consumers of the event log. Each subscription has
// a type pattern, a target (a webhook URL, or an in-process handler
// registered in code by name) and its own cursor: the last sequence it
// acknowledged. Delivery is at-least-once and in sequence order per
// subscription. A failed delivery is retried with exponential backoff and
// full jitter; after max_attempts the event is dead-lettered (recorded,
// visible through the API) and the subscription moves on, so one poisoned
// event or a dead endpoint never blocks other subscriptions. Replay moves
// the cursor back to any sequence.
//
// Work runs on a small pool: one subscription is delivered by at most one
// worker at a time. run_once() does one round synchronously (tests, with a
// ManualClock). Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "events/event_log.h"
#include "events/event_type.h"

namespace sb::store { class Db; }
namespace sb::metrics { class Registry; class Counter; }

namespace sb::events {

inline constexpr EventType kSubscriptionCreated{"/switchboard/subscriptions", "subscription.created",
                                               "A durable subscription was created"};

struct SubscriptionSpec {
  std::string pattern;
  std::string webhook_url;  // exactly one of webhook_url / handler
  std::string handler;
  // Deliver events after this sequence; -1 = only events appended from now on.
  int64_t after = -1;
};

struct Subscription {
  std::string id;
  std::string pattern;
  std::string kind;    // "webhook" | "handler"
  std::string target;  // URL or handler name
  std::string secret;  // whsec_…; filled only in create()'s result
  int64_t cursor = 0;
  std::string state;   // "active"
  int64_t attempts = 0;
  int64_t next_attempt_at = 0;
  std::string last_error;
  int64_t delivered = 0;
  int64_t dead_letters = 0;
  int64_t created_at = 0;
};

struct DeadLetter {
  int64_t sequence;
  int64_t attempts;
  std::string last_error;
  int64_t created_at;
};

struct DeliveryOptions {
  int max_attempts = 8;
  int64_t base_backoff_ms = 1000;
  int64_t max_backoff_ms = 300'000;
  int workers = 4;
  int batch = 100;
  int poll_ms = 1000;
  int64_t lease_ms = 60'000;  // how long one instance may hold a subscription
};

// Sends one webhook: POST url with headers and body. OK on 2xx; a
// non-retryable error (e.g. 410 Gone) still counts as a failed attempt.
using WebhookPost = std::function<Status(const std::string& url,
                                         const std::vector<std::pair<std::string, std::string>>& headers,
                                         const std::string& body)>;
// An in-process consumer; an error means "retry later".
using EventHandler = std::function<Status(const StoredEvent&)>;

class Subscriptions {
 public:
  Subscriptions(store::Db& db, EventLog& log, const Clock& clock, metrics::Registry* metrics,
                WebhookPost post, DeliveryOptions options = {},
                std::function<double()> random01 = nullptr);
  ~Subscriptions();

  // Before start(). Names are what `handler` in a SubscriptionSpec refers to.
  void register_handler(const std::string& name, EventHandler handler);

  Result<Subscription> create(const SubscriptionSpec& spec);
  Result<std::vector<Subscription>> list();
  Result<Subscription> get(const std::string& id);
  Status remove(const std::string& id);
  // Re-delivers from `from_sequence` (inclusive) and clears pending retries.
  Status replay(const std::string& id, int64_t from_sequence);
  Result<std::vector<DeadLetter>> dead_letters(const std::string& id, int limit = 100);

  void start();
  void stop();
  void run_once();

 private:
  Result<std::vector<Subscription>> list_for_scrape();
  void deliver(const Subscription& sub);
  Status attempt(const Subscription& sub, const StoredEvent& e);
  int64_t backoff_ms(int64_t attempts);
  Result<std::vector<Subscription>> due(int64_t now);
  void loop();
  bool claim(const Subscription& sub);
  Result<int64_t> count_active();

  store::Db& db_;
  EventLog& log_;
  const Clock& clock_;
  metrics::Registry* metrics_;
  WebhookPost post_;
  const DeliveryOptions options_;
  std::function<double()> random01_;
  std::map<std::string, EventHandler> handlers_;  // immutable after start()
  const std::string instance_;                    // lease owner id of this process

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;             // guarded by mu_
  bool wake_ = false;                 // guarded by mu_
  std::set<std::string> in_flight_;   // guarded by mu_
  std::vector<std::thread> threads_;
  uint64_t listener_ = 0;
  std::vector<Subscription> queue_;   // guarded by mu_: due work for workers
  // Any active subscription anywhere (refreshed every poll_ms, set by create()).
  std::atomic<bool> any_active_{true};
  std::mutex scrape_mu_;
  std::optional<std::vector<Subscription>> scrape_cache_;  // guarded by scrape_mu_
  int64_t scrape_at_ms_ = 0;                               // guarded by scrape_mu_
};

}  // namespace sb::events
