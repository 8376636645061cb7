// HTTP adapters for notifications: templates, send, read-back, the caller's
// preferences and in-app inbox (and an operator's view of any user's).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "api/component.h"
#include "config/key.h"
#include "notify/rules.h"
#include "notify/service.h"

namespace sb::notify { class Service; }
namespace sb::identity { class AuthService; }
namespace sb::config { class ConfigService; }
namespace sb::events { class EventLog; class LiveFeed; }

namespace sb::api {

class JobsComponent;
class MessagingComponent;
class IdentityComponent;

namespace notify_keys {
using config::at_least;
using config::Key;
inline const Key<std::string> kDefaultLocale{"notify.default_locale", "en",
                                             "Template locale used when the user's is missing"};
inline const Key<int64_t> kMaxAttempts{"notify.max_attempts", 5, "Attempts per delivery before it is dead",
                                       at_least(1)};
inline const Key<int64_t> kBackoffMs{"notify.backoff_ms", 2000,
                                     "First retry delay of a delivery (exponential, full jitter)", at_least(0)};
inline const Key<int64_t> kWorkers{"notify.workers", 4, "In-process delivery workers per channel", at_least(1)};
inline const Key<boost::json::value> kRules{
    "notify.rules", boost::json::value(boost::json::array{}),
    "Event rules: [{on, type, user = \"$.data.user_id\", data = \"$.data\", channels, critical}]",
    config::check(
        [](const boost::json::value& v) -> std::optional<std::string> {
          auto r = notify::parse_rules(v);
          if (r.ok()) return std::nullopt;
          const auto& f = r.status().fields();
          return f.empty() ? r.status().message() : f.front().field + ": " + f.front().message;
        },
        "an array of rules (see docs/notifications.md)")};
inline const Key<boost::json::value> kCaps{
    "notify.caps", boost::json::value(boost::json::array{}),
    "Frequency caps: [{channel, type = \"*\", max, window_ms, over = \"defer\"|\"drop\"}]",
    config::check(
        [](const boost::json::value& v) -> std::optional<std::string> {
          auto r = notify::parse_caps(v);
          if (r.ok()) return std::nullopt;
          const auto& f = r.status().fields();
          return f.empty() ? r.status().message() : f.front().field + ": " + f.front().message;
        },
        "an array of caps (see docs/notifications.md)")};
}  // namespace notify_keys

struct NotifyDeps {
  notify::Service* notify = nullptr;
  identity::AuthService* users = nullptr;
  const config::ConfigService* config = nullptr;  // push subscription checks
  events::EventLog* events = nullptr;              // the inbox stream
  events::LiveFeed* feed = nullptr;
};

class NotifyComponent final : public Component {
 public:
  NotifyComponent(Kernel& kernel, JobsComponent& jobs, MessagingComponent& messaging, IdentityComponent& identity);
  ~NotifyComponent() override;
  void declare(Declarations& d) override;
  Status init() override;
  void routes(std::vector<http::Route>& out) override;
  Status start() override;
  void stop() override;

  notify::Service& service() { return *service_; }

 private:
  Kernel& kernel_;
  JobsComponent& jobs_;
  MessagingComponent& messaging_;
  IdentityComponent& identity_;
  std::unique_ptr<notify::Service> service_;
  NotifyDeps deps_;
  // The rules runner: woken by local commits to the log, else every poll.
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool woken_ = false;     // guarded by mu_
  uint64_t listener_ = 0;
  std::thread rules_;
  // notify.caps parsed once per change, not per send (the watch replaces it).
  std::mutex caps_mu_;
  std::shared_ptr<const std::vector<notify::Cap>> caps_;  // guarded by caps_mu_
  uint64_t caps_watch_ = 0;
};

}  // namespace sb::api
