// Internals shared by notify/*.cpp.
#pragma once

#include <functional>
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

  Result<Notification> send_in(store::Tx& tx, SendRequest& r);
  Result<Notification> load(store::Tx& tx, const std::string& id);
  // What the frequency caps say of one more delivery (caps.cpp).
  struct CapVerdict {
    bool drop = false;
    int64_t defer_until = 0;  // 0 = go now
    std::string reason;
  };
  Result<CapVerdict> check_caps(store::Tx& tx, const std::string& user, const std::string& type,
                                const std::string& channel, int64_t now);
  // Moves a delivery to `status` and adds it to the timeline.
  Status transition(store::Tx& tx, const std::string& delivery_id, const std::string& status,
                    const std::string& provider, const std::string& detail, int attempts, int64_t now);
  // The job handler of "notify.<channel>" (delivery.cpp).
  Result<std::string> deliver(const jobs::Claimed& job);
  // Records an attempt's outcome (status, provider, detail, event or null).
  using Finish = std::function<Status(const std::string&, const std::string&, const std::string&,
                                      const events::EventType*)>;
  Result<std::string> deliver_push(const jobs::Claimed& job, const std::string& id, const std::string& user,
                                   const std::string& title, const std::string& body, const std::string& data,
                                   const Finish& finish, int64_t& sending_at);

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
