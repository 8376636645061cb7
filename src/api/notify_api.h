// HTTP adapters for notifications: templates, send, read-back, the caller's
// preferences and in-app inbox (and an operator's view of any user's).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "api/component.h"
#include "config/key.h"
#include "notify/callback_signatures.h"
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
using config::parsed_by;
// All three are read again on change (NotifyComponent::init watches caps and
// digests; the rules runner reads its key every pass): hot.
inline const Key<boost::json::value> kRules{
    "notify.rules", boost::json::value(boost::json::array{}),
    "Event rules: [{on, type, user = \"$.data.user_id\", data = \"$.data\", channels, critical}]", config::hot,
    parsed_by(notify::parse_rules, "an array of rules (see docs/notifications.md)")};
inline const Key<boost::json::value> kCaps{
    "notify.caps", boost::json::value(boost::json::array{}),
    "Frequency caps: [{channel, type = \"*\", max, window_ms, over = \"defer\"|\"drop\"}]", config::hot,
    parsed_by(notify::parse_caps, "an array of caps (see docs/notifications.md)")};
inline const Key<boost::json::value> kDigests{
    "notify.digests", boost::json::value(boost::json::array{}),
    "Digests: [{type, channels, window = \"1h\"} | {type, channels, daily_at = \"09:00\"}] (user's time zone)",
    config::hot, parsed_by(notify::parse_digests, "an array of digests (see docs/notifications.md)")};
// Provider status callbacks (notify/callbacks.h, docs/notifications.md).
// Read on every callback, so a change applies to the next one.
inline const Key<std::string> kCallbackPublicUrl{
    "notify.callbacks.public_url", "",
    "Base URL providers reach this server at (scheme://host[:port][/prefix]); Twilio signs the full URL",
    config::hot, config::check(
                     [](const std::string& v) -> std::optional<std::string> {
                       if (v.empty() || v.rfind("https://", 0) == 0 || v.rfind("http://", 0) == 0) return std::nullopt;
                       return "must be an http:// or https:// URL";
                     },
                     "empty, or an http:// or https:// URL")};
inline const Key<std::string> kCallbackSendgridKey{
    "notify.callbacks.sendgrid.verification_key", "",
    "SendGrid Signed Event Webhook verification key (base64 DER P-256 public key); empty = callbacks refused",
    config::hot, config::check(
                     [](const std::string& v) -> std::optional<std::string> {
                       if (v.empty() || notify::signatures::sendgrid_key_valid(v)) return std::nullopt;
                       return "must be the base64 P-256 public key SendGrid shows";
                     },
                     "empty, or a base64 DER P-256 public key")};
inline const Key<std::string> kCallbackMailgunKey{"notify.callbacks.mailgun.signing_key", "",
                                                  "Mailgun HTTP webhook signing key; empty = callbacks refused",
                                                  config::secret, config::hot};
inline const Key<std::string> kCallbackTwilioToken{
    "notify.callbacks.twilio.auth_token", "",
    "Twilio Auth Token that signs status callbacks (the account's, as sms.twilio.auth_token); empty = refused",
    config::secret, config::hot};
inline const Key<int64_t> kCallbackMaxAgeMs{
    "notify.callbacks.max_age_ms", 600'000,
    "SendGrid and Mailgun callbacks signed longer ago than this (or this far ahead) are refused",
    config::at_least(1000), config::hot};
}  // namespace notify_keys

struct NotifyDeps {
  notify::Service* notify = nullptr;
  identity::AuthService* users = nullptr;
  const config::ConfigService* config = nullptr;  // push subscription checks
  events::EventLog* events = nullptr;              // the inbox stream
  events::LiveFeed* feed = nullptr;
  const Clock* clock = nullptr;                    // callback timestamps
};

// /v1/me/preferences, /v1/users/{id}/preferences, /v1/me/devices, /v1/me/inbox
// (api/notify_me_api.cpp).
void notify_me_routes(std::vector<http::Route>& out, const NotifyDeps& deps);
// POST /v1/notifications/callbacks/{sendgrid,mailgun,twilio}: public routes,
// each verified by its provider's signature (api/notify_callbacks_api.cpp).
void notify_callback_routes(std::vector<http::Route>& out, const NotifyDeps& deps);

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
  // notify.digests, likewise.
  std::mutex digests_mu_;
  std::shared_ptr<const std::vector<notify::Digest>> digests_;  // guarded by digests_mu_
  uint64_t digests_watch_ = 0;
};

}  // namespace sb::api
