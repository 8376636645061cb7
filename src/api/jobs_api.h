// HTTP adapters for durable job queues (/v1/queues/*): producers enqueue,
// remote workers in any language claim (long-poll), ack, nack, extend and
// report progress; operators inspect, retry, cancel, pause and schedule.
#pragma once

#include <memory>

#include "api/component.h"
#include "config/key.h"

namespace sb::jobs { class Queue; }

namespace sb::api {

namespace jobs_keys {
using config::at_least;
using config::Key;
inline const Key<int64_t> kMaxPayloadBytes{"jobs.max_payload_bytes", 256 * 1024,
                                           "Largest job payload (serialized JSON); larger is a 413", at_least(16)};
inline const Key<int64_t> kKeepCompleted{"jobs.keep_completed", 1000,
                                         "Completed jobs kept per queue (newest), unless the queue says otherwise",
                                         at_least(0)};
inline const Key<int64_t> kKeepCompletedMs{"jobs.keep_completed_ms", 24 * 3'600'000LL,
                                           "How long completed jobs are kept, unless the queue says otherwise",
                                           at_least(0)};
inline const Key<int64_t> kTickMs{"jobs.tick_ms", 1000,
                                  "Housekeeping interval: expired leases, schedules, retention, other instances' jobs",
                                  at_least(10)};
inline const Key<int64_t> kMaxWaitMs{"jobs.max_wait_ms", 60'000, "Longest claim long-poll a worker may ask for",
                                     at_least(0)};
inline const Key<bool> kEventPerCompletion{"jobs.event_per_completion", false,
                                           "Append job.completed to the event log for every completed job"};
}  // namespace jobs_keys

struct JobsDeps {
  jobs::Queue* queue = nullptr;
  size_t max_payload = 0;
  int64_t max_wait_ms = 0;
};

// Producer and worker routes (jobs_api.cpp).
void enqueue_jobs(const JobsDeps& s, http::Request& req, http::Respond respond);
void claim_jobs(const JobsDeps& s, http::Request& req, http::Respond respond);
void ack_job(const JobsDeps& s, http::Request& req, http::Respond respond);
void ack_jobs(const JobsDeps& s, http::Request& req, http::Respond respond);
http::Response nack_job(const JobsDeps& s, http::Request& req);
http::Response extend_job(const JobsDeps& s, http::Request& req);
http::Response progress_job(const JobsDeps& s, http::Request& req);

class JobsComponent final : public Component {
 public:
  explicit JobsComponent(Kernel& kernel);
  ~JobsComponent() override;
  void declare(Declarations& d) override;
  Status init() override;
  void routes(std::vector<http::Route>& out) override;
  Status start() override;
  void stop() override;

  // For modules built on the queue (notifications).
  jobs::Queue& queue() { return *queue_; }

 private:
  Kernel& kernel_;
  std::unique_ptr<jobs::Queue> queue_;
  JobsDeps deps_;
};

}  // namespace sb::api
