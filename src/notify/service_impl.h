// Internals shared by notify/*.cpp.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "core/metrics.h"
#include "jobs/queue.h"
#include "notify/service.h"
#include "store/coalescing_writer.h"
#include "store/db.h"

namespace sb::events { struct EventType; }

namespace sb::notify {

inline constexpr const char* kChannels[] = {"email", "sms", "push", "whatsapp", "in_app"};
// What a field naming a channel must be (kChannels in words).
inline constexpr const char* kChannelMessage = "must be email, sms, push, whatsapp or in_app";
inline std::string queue_for(std::string_view channel) { return "notify." + std::string(channel); }
// The template for (type, channel) in the best locale: the exact tag, its
// language, the default locale, the locale-less one, else any (delivery.cpp).
Result<Template> pick_template(store::Tx& tx, const std::string& type, const std::string& channel,
                               const std::string& locale, const std::string& default_locale);
// The user's quiet hours, if set (preferences.cpp).
Result<std::optional<QuietHours>> read_quiet_hours(store::Tx& tx, const std::string& user);
// One timeline entry as stored: {"status","at_ms","provider","detail"}.
std::string timeline_entry(const std::string& status, int64_t at_ms, const std::string& provider,
                           const std::string& detail);

// One send through the coalescing writer, and what came of it: a refusal
// (InvalidArgument) is the send's own answer and does not fail the group.
struct SendOutcome {
  Status status;
  Notification notification;
};

struct Service::Impl {
  Impl(store::Db& db, events::EventLog& events, jobs::Queue& queue, providers::Messaging& messaging,
       RecipientLookup recipients, const Clock& clock, Options options, metrics::Registry* metrics);

  // Jobs of a group of sends, per queue: enqueued together after the group,
  // one insert and one hand-over claim per queue instead of one per delivery.
  using JobsByQueue = std::map<std::string, std::vector<jobs::NewJob>>;
  // `later` null: the delivery jobs are enqueued at once.
  Result<Notification> send_in(store::Tx& tx, SendRequest& r, JobsByQueue* later = nullptr);
  Result<Notification> load(store::Tx& tx, const std::string& id);
  // What the frequency caps say of one more delivery (caps.cpp).
  struct CapVerdict {
    bool drop = false;
    int64_t defer_until = 0;  // 0 = go now
    std::string reason;
  };
  Result<CapVerdict> check_caps(store::Tx& tx, const std::string& user, const std::string& type,
                                const std::string& channel, int64_t now);
  // Moves a delivery to `status` and adds it to the timeline, after
  // `earlier` (timeline entries, comma-separated, e.g. the attempt's
  // "sending") when given; `message_id` (the provider's id for the message,
  // which its status callbacks name) is kept when given.
  Status transition(store::Tx& tx, const std::string& delivery_id, const std::string& status,
                    const std::string& provider, const std::string& detail, int attempts, int64_t now,
                    const std::string& earlier = {}, const std::string& message_id = {});
  // sb_notify_deliveries_total{channel, provider, outcome} += n once `tx`
  // commits (outcome: the status a delivery reached).
  void count(store::Tx& tx, const std::string& channel, const std::string& provider, const std::string& outcome,
             size_t n = 1);
  // The job handler of "notify.<channel>" (delivery.cpp). What an attempt
  // came to is written with the job's ack (Completion::also); a retry writes
  // it before the job backs off.
  Result<jobs::Completion> deliver(const jobs::Claimed& job);
  // An attempt's record as a write: (status, provider, detail, event or null).
  using Record = jobs::AckWrite;
  // A record written in a transaction of its own (before a retry's backoff).
  Status write_now(const Record& record);
  using Outcome = std::function<Record(const std::string&, const std::string&, const std::string&,
                                       const events::EventType*)>;
  // Digests (digest.cpp): a delivery of a digested type x channel joins its
  // digest (status "digested") instead of going out on its own; the digest's
  // job on "notify.digest" sends them as one message.
  // `quiet`: the user's quiet hours, as the send read them.
  Status join_digest(store::Tx& tx, const std::string& user, const std::string& type, Delivery& d, int64_t now,
                     const std::optional<QuietHours>& quiet);
  Result<jobs::Completion> deliver_digest(const jobs::Claimed& job);
  Result<jobs::Completion> deliver_push(const jobs::Claimed& job, const std::string& user, const std::string& title,
                                        const std::string& body, const std::string& data, const Outcome& outcome,
                                        int64_t& sending_at);

  store::Db& db;
  events::EventLog& events;
  jobs::Queue& queue;
  providers::Messaging& messaging;
  const RecipientLookup recipients;
  const Clock& clock;
  const Options options;
  metrics::Registry* metrics_registry;
  metrics::Histogram* send_latency = nullptr;  // created -> provider accepted
  std::vector<std::unique_ptr<jobs::Worker>> workers;
  // Concurrent sends are written together, one callback per group (last: it
  // calls send_in, which uses the members above).
  store::CoalescingWriter<SendRequest, SendOutcome> sender;
};

}  // namespace sb::notify
