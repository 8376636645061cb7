// JSON views of jobs and queues for the /v1/queues routes. Payloads and
// results are stored as serialized JSON and spliced in as text, never
// re-parsed on the claim path.
#pragma once

#include <string>
#include <vector>

#include "jobs/queue.h"

namespace sb::api {

// {"jobs":[{"id","payload","attempt","lease","lease_until","priority"}]}
std::string claimed_json(const std::vector<jobs::Claimed>& jobs);
// {"id","queue","state","attempts","max_attempts","priority","payload","result","progress","errors":[…],…}
std::string job_json(const jobs::JobInfo& job);
// {"name","counts":{…},"paused","concurrency","rate":{"max","interval_ms"},"keep_completed","keep_completed_ms"}
std::string queue_json(const jobs::QueueInfo& q);

}  // namespace sb::api
