// notify::Service — notifications: one send makes one notification and one
// delivery per channel. Each delivery is a job on the durable queue
// "notify.<channel>", so a provider outage retries with backoff and ends
// dead with its reason, never silently gone. Templates per type x channel x
// locale (mustache); per-user opt-outs (critical types bypass them); a status
// timeline per delivery; an in-app inbox.
//
// A send commits the notification, its deliveries and their jobs in one
// transaction (send(tx, …) joins the caller's: a state change and the
// notification it causes commit together). No HTTP types here. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include <boost/json/value.hpp>
#include "notify/digest.h"
#include "notify/rules.h"

namespace sb::store { class Db; class Tx; }
namespace sb::events { class EventLog; }
namespace sb::jobs { class Queue; }
namespace sb::providers { class Messaging; }
namespace sb::metrics { class Registry; }

namespace sb::notify {

// "email", "sms", "push", "whatsapp", "in_app".
bool known_channel(std::string_view channel);

struct Template {
  std::string type;     // [a-z0-9._-]{1,64}
  std::string channel;
  std::string locale;   // "en", "de-AT"; "" = the default locale
  std::string subject;  // email subject, push/in-app title; whatsapp: the provider's template name
                        // (empty = free-form text; docs/notifications.md)
  std::string body;     // plain text (SMS, push, in-app, email text part; whatsapp: the
                        // template's one parameter, or the free-form text)
  std::string html;     // email only, HTML-escaped values
  int64_t updated_ms = 0;
};

struct SendRequest {
  std::string user_id;
  std::string type;
  std::string data_json = "{}";       // the template's values (a JSON object)
  std::vector<std::string> channels;  // empty = every channel the type has a template for
  bool critical = false;              // bypasses opt-outs
  std::string idempotency_key;        // a repeat returns the first notification
  std::string locale;
};

struct TimelineEntry {
  std::string status;
  int64_t at_ms = 0;
  std::string provider;
  std::string detail;
};

struct Delivery {
  std::string id;
  std::string channel;
  std::string status;  // queued deferred digested sending sent delivered retrying dead suppressed bounced
  std::string provider;
  int attempts = 0;
  std::string detail;  // why suppressed / the last error
  std::vector<TimelineEntry> timeline;
};

struct Notification {
  std::string id;
  std::string type;
  std::string user_id;
  std::string data_json;
  std::string locale;
  bool critical = false;
  int64_t created_ms = 0;
  std::vector<Delivery> deliveries;
  bool duplicate = false;  // an idempotency-key repeat
};

// A provider's later word on a message it accepted (its status callback,
// verified and parsed by notify/callbacks.h).
struct ProviderStatus {
  std::string provider;    // the Receipt's provider: "sendgrid", "mailgun", "twilio"
  std::string message_id;  // the Receipt's message id
  std::string status;      // "delivered" or "bounced"
  std::string reason;      // the provider's words for a bounce
};

// Local "start" to "end" (may cross midnight) in an IANA time zone.
struct QuietHours {
  int start_minute = 0;  // after local midnight
  int end_minute = 0;
  std::string time_zone = "UTC";
};

// type -> channel -> enabled (absent = enabled); optional quiet hours.
struct Preferences {
  std::map<std::string, std::map<std::string, bool>> types;
  std::optional<QuietHours> quiet_hours;
};

// "HH:MM" -> minutes after midnight; -1 when malformed (quiet hours, daily digests).
int parse_time_of_day(std::string_view s);
// "90s", "30m", "24h", "7d" or plain milliseconds -> ms; 0 when malformed
// (digest windows, the stats window).
int64_t parse_duration_ms(std::string_view s);

// The end of the quiet window `now_ms` falls in, or nullopt when outside.
// DST changes follow the cron rules of jobs/cron.h.
Result<std::optional<int64_t>> quiet_until(const QuietHours& q, int64_t now_ms);

struct InboxItem {
  std::string id;
  std::string notification_id;
  std::string type;
  std::string title;
  std::string body;
  std::string data_json;
  int64_t created_ms = 0;
  int64_t read_ms = 0;  // 0 = unread
};

struct ListQuery {
  std::string user_id, status, channel, type;  // empty = any; status/channel match any delivery
  int64_t since_ms = 0;
  std::string before;  // a notification id: older ones (paging)
  int limit = 50;
};

struct Counts {
  int64_t total = 0, sent = 0, delivered = 0, failed = 0, pending = 0, suppressed = 0;
  // (sent + delivered) / (sent + delivered + failed); 1 when nothing settled.
  double success_rate() const;
};

struct Stats {
  Counts all;
  std::map<std::string, Counts> by_channel, by_type, by_provider;
  std::map<int64_t, Counts> by_hour;  // hour start (Unix ms) -> deliveries of notifications created then
};

// A push target of a user: a Web Push subscription, an FCM token or an APNs
// token. A push service's "gone" answer removes it.
struct Device {
  std::string id;
  std::string kind = "webpush";  // webpush | fcm | apns
  std::string endpoint;          // the Web Push endpoint, or the FCM/APNs device token
  std::string p256dh;            // webpush
  std::string auth;              // webpush
  int64_t created_ms = 0;
  std::string topic;             // apns: the app's bundle id
  bool sandbox = false;          // apns: a development build's token
};

// Where a user is reached: filled by whoever owns users (identity).
struct Recipient {
  std::string email;
  std::string phone;
};
using RecipientLookup = std::function<Result<Recipient>(const std::string& user_id)>;

// At most `max` deliveries per user on `channel` (and `type`, "*" = any)
// within `window_ms`; past it the delivery is deferred until the window
// frees a slot, or dropped (suppressed with the reason). Critical sends are
// not capped.
struct Cap {
  std::string channel;
  std::string type = "*";
  int64_t max = 0;
  int64_t window_ms = 0;
  bool drop = false;  // else defer
};
// InvalidArgument naming "/<i>/<field>".
Result<std::vector<Cap>> parse_caps(const boost::json::value& v);

struct Options {
  std::string default_locale = "en";
  int max_attempts = 5;             // per delivery
  int64_t backoff_ms = 2000;        // first retry; exponential with full jitter
  int workers = 16;                 // per channel, in-process
  std::function<std::vector<Cap>()> caps;  // read at every send (runtime config); empty = none
  // Read at every non-critical delivery (runtime config); empty or null = none.
  std::function<std::shared_ptr<const std::vector<Digest>>()> digests;
};

class Service {
 public:
  Service(store::Db& db, events::EventLog& events, jobs::Queue& queue, providers::Messaging& messaging,
          RecipientLookup recipients, const Clock& clock, Options options = {},
          metrics::Registry* metrics = nullptr);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Refused (InvalidArgument naming /subject, /body or /html) if it does not
  // parse or render.
  Status put_template(Template t);
  Status delete_template(std::string_view type, std::string_view channel, std::string_view locale);
  Result<std::vector<Template>> templates(std::string_view type = {});

  Result<Notification> send(SendRequest request);
  Result<Notification> send(store::Tx& tx, SendRequest request);
  // Joins the store's group commit without holding the calling thread;
  // `done` runs on a store thread once durable (or refused) and must not block.
  using SendDone = std::function<void(Result<Notification>)>;
  void send_async(SendRequest request, SendDone done);
  Result<Notification> get(std::string_view id);
  // Dead deliveries of the notification go out again (new attempts).
  // NotFound; Conflict when none is dead.
  Result<Notification> retry(std::string_view id);
  // Newest first. InvalidArgument naming the field for a bad filter.
  Result<std::vector<Notification>> list(const ListQuery& q);
  // Deliveries of notifications created in the last `window_ms`.
  Result<Stats> stats(int64_t window_ms);

  // Moves each delivery the provider sent under that message id from `sent`
  // to `delivered` or `bounced` (with its event), in one transaction; any
  // other state is left alone, so a repeat or a late callback changes
  // nothing and delivered never goes back. An unknown message id is
  // ignored. A non-empty `replay_token` is recorded in the same transaction;
  // one seen before is Unauthenticated and nothing changes (tokens older
  // than `forget_before_ms` are dropped). Returns how many deliveries moved.
  Result<int> apply_provider_status(const std::vector<ProviderStatus>& statuses,
                                    const std::string& replay_token = {}, int64_t forget_before_ms = 0);

  Result<Preferences> preferences(std::string_view user_id);
  // Replaces the user's opt-outs with `p`.
  Status set_preferences(std::string_view user_id, const Preferences& p);

  // Registers (or refreshes: same endpoint) a device; the caller validated
  // the subscription (providers::PushKind::prepare).
  Result<Device> add_device(std::string_view user_id, Device d);
  Result<std::vector<Device>> devices(std::string_view user_id);
  Status remove_device(std::string_view user_id, std::string_view device_id);

  Result<std::vector<InboxItem>> inbox(std::string_view user_id, int limit, std::string_view before = {});
  Result<int64_t> unread(std::string_view user_id);
  Status mark_read(std::string_view user_id, std::string_view item_id);  // "*" = all

  // Sends what the rules say for events appended since the last call,
  // moving the durable cursor in the same transaction (see rules.h). Only
  // the instance holding the rules lease acts; the very first call starts at
  // the log's head. `rules` is read after the head: a rule configured before
  // an event was appended always sees it, and with no rules the cursor just
  // follows the head. Returns how many events it looked at.
  Result<int> apply_rules(const std::function<std::vector<Rule>()>& rules, const std::string& instance,
                          int64_t lease_ms = 15'000, int batch = 500);

  // In-process delivery workers, one set per channel.
  void start();
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sb::notify
